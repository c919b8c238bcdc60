using System.Text;
using System.Text.Json;

namespace Provisioner.Remote.Libvirt;

/// <summary>
/// A program run inside a VM through the qemu guest agent (guest-exec, then guest-exec-status
/// until it exited): no network path into the VM is needed, and nothing listens in it for us.
/// </summary>
public static class GuestExec
{
    /// <summary>Runs a program in the guest: null when qemu-ga could not start it; ExitCode null when it did not finish in time.</summary>
    public static (int? ExitCode, string Output)? Run(Func<string, string> agent, string path, string[] args, Action wait, int polls)
    {
        var command = JsonSerializer.Serialize(new { execute = "guest-exec", arguments = new Dictionary<string, object> { ["path"] = path, ["arg"] = args, ["capture-output"] = true } });
        using var started = JsonDocument.Parse(agent(command));
        if (!started.RootElement.TryGetProperty("return", out var ret))
        {
            return null;
        }

        var pid = ret.GetProperty("pid").GetInt64();
        for (var i = 0; i < polls; i++)
        {
            using var status = JsonDocument.Parse(agent($$$"""{"execute":"guest-exec-status","arguments":{"pid":{{{pid}}}}}"""));
            var result = status.RootElement.GetProperty("return");
            if (!result.GetProperty("exited").GetBoolean())
            {
                wait();
                continue;
            }

            var code = result.TryGetProperty("exitcode", out var c) ? c.GetInt32() : -1;
            var output = result.TryGetProperty("out-data", out var data) ? Encoding.UTF8.GetString(Convert.FromBase64String(data.GetString() ?? "")) : "";
            var error = result.TryGetProperty("err-data", out var err) ? Encoding.UTF8.GetString(Convert.FromBase64String(err.GetString() ?? "")) : "";
            return (code, output + error);
        }

        return (null, "");
    }
}
