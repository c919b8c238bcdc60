using Provisioner.Remote.Secrets;
using Provisioner.Remote.Ssh;

namespace Provisioner.Tests.Remote;

public sealed class SecretResolverTests
{
    private static string Resolve(string text) => SecretResolver.Resolve(text,
        name => name == "QUEUE_PW" ? "from-env" : null,
        path => path == "/run/secrets/pw" ? "from-file\n" : path == "/run/secrets/two" ? "a\nb\n" : throw new FileNotFoundException("no such file", path),
        "h1");

    [Fact]
    public void Resolve_EnvAndFile_ReplaceTheirReferencesOnly()
    {
        Assert.Equal("A=from-env\nB=from-file\nC=${not-a-ref}\n", Resolve("A=${env:QUEUE_PW}\nB=${file:/run/secrets/pw}\nC=${not-a-ref}\n"));
    }

    [Fact]
    public void Resolve_MissingOrMultiLine_IsAnErrorNamingTheReferenceNotTheValue()
    {
        var missing = Assert.Throws<RemoteException>(() => Resolve("P=${env:NOPE}"));
        var unreadable = Assert.Throws<RemoteException>(() => Resolve("P=${file:/run/secrets/gone}"));
        var twoLines = Assert.Throws<RemoteException>(() => Resolve("P=${file:/run/secrets/two}"));

        Assert.Contains("secret ${env:NOPE} is not set", missing.Message, StringComparison.Ordinal);
        Assert.Contains("secret ${file:/run/secrets/gone} cannot be read", unreadable.Message, StringComparison.Ordinal);
        Assert.Contains("spans more than one line", twoLines.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("a\nb", twoLines.Message, StringComparison.Ordinal);
    }
}
