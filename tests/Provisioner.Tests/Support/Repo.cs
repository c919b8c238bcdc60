namespace Provisioner.Tests.Support;

/// <summary>Paths inside the repository, found from the test binary's location.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    public static string Fixtures => Path("tests", "Provisioner.Tests", "Fixtures");

    public static string Templates => Path("templates");

    /// <summary>
    /// ../shared/realhw/dumps: what owners of real GPU machines published, laid beside the
    /// repository's clone (the project's shared folder; CI lays it there too).
    /// </summary>
    public static string RealHardwareDumps
    {
        get
        {
            var dumps = System.IO.Path.GetFullPath(System.IO.Path.Combine(Root, "..", "shared", "realhw", "dumps"));
            return Directory.Exists(dumps) ? dumps
                : throw new DirectoryNotFoundException($"{dumps} is missing: the real machines' dumps are the project's shared/realhw, laid beside the repository's clone");
        }
    }

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
