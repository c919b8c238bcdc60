using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Provisioner.IntegrationTests.Support;
using Provisioner.Tests.Support;

namespace Provisioner.IntegrationTests.FarmEndToEnd;

/// <summary>
/// A real NFS server for the worker VMs: Debian's nfs-ganesha (userspace, VFS backend; this
/// machine's kernel has no nfsd), NFSv4 over TCP only, on the test's bridge address and a free
/// port, exporting one folder at the same path in its pseudo file system. It squashes every
/// client user to nobody (65534), as docs/farm.md tells a studio to export its share: the VMs'
/// provision-worker users need not have one uid. No grace period (Graceless), so clients mount at once.
/// </summary>
public sealed class NfsServer : IDisposable
{
    public const int SquashedId = 65534;

    private readonly Process process;

    private NfsServer(Process process, int port, string log)
    {
        this.process = process;
        Port = port;
        Log = log;
    }

    public int Port { get; }

    /// <summary>ganesha's own log file.</summary>
    public string Log { get; }

    public static NfsServer Start(string workDirectory, string share, string address)
    {
        Directory.CreateDirectory(share);
        var port = LocalPort.Free();
        var config = Path.Combine(workDirectory, "ganesha.conf");
        var log = Path.Combine(workDirectory, "ganesha.log");
        File.WriteAllText(config, $$"""
            NFS_CORE_PARAM { Protocols = 4; NFS_Port = {{port.ToString(CultureInfo.InvariantCulture)}}; Bind_addr = {{address}}; Enable_NLM = false; Enable_RQUOTA = false; }
            NFSv4 { Graceless = true; }
            NFS_KRB5 { Active_krb5 = false; }
            EXPORT {
              Export_Id = 1; Path = {{share}}; Pseudo = {{share}};
              Access_Type = RW; Squash = All_Squash; Anonymous_Uid = {{SquashedId}}; Anonymous_Gid = {{SquashedId}};
              SecType = sys; Protocols = 4; Transports = TCP;
              FSAL { Name = VFS; }
            }
            LOG { Default_Log_Level = EVENT; }
            """);
        var process = Process.Start(new ProcessStartInfo("ganesha.nfsd", ["-F", "-f", config, "-L", log, "-p", Path.Combine(workDirectory, "ganesha.pid"), "-N", "NIV_EVENT"])
        { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true })!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new NfsServer(process, port, log);
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Parse(address), port);
                return server;
            }
            catch (SocketException)
            {
                Thread.Sleep(100);
            }
        }

        var said = File.Exists(log) ? File.ReadAllText(log) : "(no log)";
        server.Dispose();
        throw new InvalidOperationException($"ganesha.nfsd did not listen on {address}:{port}:\n{said}");
    }

    /// <summary>What the test put in the share, owned by the user every client is squashed to (so the workers may write).</summary>
    public static void GiveToSquashedOwner(string share)
    {
        var result = ExternalTool.Run("chown", "-R", $"{SquashedId}:{SquashedId}", share);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill();
            process.WaitForExit();
        }

        process.Dispose();
    }
}
