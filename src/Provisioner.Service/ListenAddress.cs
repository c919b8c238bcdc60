using System.Net;

namespace Provisioner.Service;

/// <summary>
/// Where the service listens: ADDRESS:PORT, loopback unless a token guards it. The farm takes
/// jobs that run Blender on every worker, so a service anyone on the network can reach must ask
/// who is asking.
/// </summary>
public static class ListenAddress
{
    public const string Default = "127.0.0.1:8420";

    public static (IPEndPoint? EndPoint, string? Error) Parse(string text, bool hasToken)
    {
        if (!IPEndPoint.TryParse(text, out var endPoint) || endPoint.Port == 0 || !text.Contains(':', StringComparison.Ordinal))
        {
            return (null, $"--listen '{text}' is not ADDRESS:PORT: give an IP address and a port, e.g. 127.0.0.1:8420 or [::1]:8420");
        }

        if (!IPAddress.IsLoopback(endPoint.Address) && !hasToken)
        {
            return (null, $"--listen {text} is not a loopback address, and anyone who reaches it could submit jobs: "
                + "give the service a token (--token '${env:PROVISION_FARM_TOKEN}') or listen on 127.0.0.1");
        }

        return (endPoint, null);
    }
}
