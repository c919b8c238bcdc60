using System.Text;
using System.Text.Json;

namespace Provisioner.Remote.Libvirt;

/// <summary>
/// Is the passed-through GPU visible inside the guest? Asked through the qemu guest agent
/// (guest-exec of <c>lspci -nn</c>, then guest-exec-status until it exited), so no network path
/// into the VM is needed. Exactly one device with the GPU's vendor:device must show: none means
/// the passthrough failed, two mean another VM's GPU landed here.
/// </summary>
public static class GuestGpuCheck
{
    /// <param name="agent">Sends one guest agent command (JSON) and returns its answer.</param>
    /// <param name="wait">Waits between status polls (the caller's clock).</param>
    /// <returns>null when the GPU shows exactly once, else what is wrong.</returns>
    public static string? Problem(Func<string, string> agent, string vendorDevice, Action wait, int polls = 20)
    {
        var started = JsonDocument.Parse(agent("""{"execute":"guest-exec","arguments":{"path":"lspci","arg":["-nn"],"capture-output":true}}"""));
        var pid = started.RootElement.GetProperty("return").GetProperty("pid").GetInt64();
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
            if (code != 0)
            {
                return $"lspci in the guest failed (exit {code}): is pciutils installed in the image?";
            }

            var output = result.TryGetProperty("out-data", out var data) ? Encoding.UTF8.GetString(Convert.FromBase64String(data.GetString() ?? "")) : "";
            var count = output.Split('\n').Count(line => line.Contains("[" + vendorDevice + "]", StringComparison.OrdinalIgnoreCase));
            return count switch
            {
                1 => null,
                0 => $"the GPU ({vendorDevice}) is not visible in the guest",
                _ => $"the guest sees {count} devices {vendorDevice}, not one",
            };
        }

        return "lspci in the guest did not finish";
    }
}
