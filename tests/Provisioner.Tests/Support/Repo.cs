namespace Provisioner.Tests.Support;

/// <summary>Paths inside the repository, found from the test binary's location.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    public static string Fixtures => Path("tests", "Provisioner.Tests", "Fixtures");

    public static string Templates => Path("templates");

    /// <summary>
    /// What owners of real GPU machines published (the project's shared/realhw), kept in the
    /// repository as fixtures: a clone alone passes the tests, with nothing laid beside it.
    /// The files are the published ones byte for byte; Fixtures/realhw/README.md says where each
    /// comes from and what a correct tool reports on it.
    /// </summary>
    public static string RealHardwareDumps => System.IO.Path.Combine(Fixtures, "realhw", "dumps");

    /// <summary>The dump whose file name starts with <paramref name="prefix"/> ("08").</summary>
    public static string RealHardwareDump(string prefix) => Directory.GetFiles(RealHardwareDumps, prefix + "-*.txt").Single();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Provisioner.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Provisioner.sln not found above " + AppContext.BaseDirectory);
    }
}
