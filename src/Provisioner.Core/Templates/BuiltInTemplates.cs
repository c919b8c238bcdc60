namespace Provisioner.Core.Templates;

/// <summary>
/// The built-in templates compiled into Provisioner.Core as resources (named
/// <c>templates/host/…</c>), for a program shipped as one file (the release binary) with no
/// templates/ directory beside it. A templates/ directory on disk, as in a build, wins.
/// </summary>
internal static class BuiltInTemplates
{
    /// <summary>The text of built-in template <paramref name="name"/> (e.g. "host/modprobe-vfio.conf.sbn"), or null when there is none.</summary>
    public static string? Read(string name)
    {
        using var stream = typeof(BuiltInTemplates).Assembly.GetManifestResourceStream("templates/" + name.Replace('\\', '/'));
        if (stream is null)
        {
            return null;
        }

        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
