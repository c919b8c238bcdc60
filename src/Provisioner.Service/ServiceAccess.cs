using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Provisioner.Service;

/// <summary>
/// Who may do what, checked before any endpoint runs. Reads from this machine are open. With a
/// token, writes and reads from elsewhere carry it as a bearer token (no cookies, so a web page
/// elsewhere has nothing to ride on). Without one the service only listens on loopback, and two
/// browser tricks are closed: a request must name this machine (a rebound DNS name that points at
/// 127.0.0.1 does not), and a POST must say it is JSON, which a page on another site cannot send
/// without a CORS preflight this service never grants.
/// </summary>
internal sealed class ServiceAccess(string? token)
{
    private readonly byte[]? _token = token is null ? null : Encoding.UTF8.GetBytes(token);

    /// <summary>Null when the request may go on; otherwise the answer that refuses it.</summary>
    public IResult? Refusal(HttpContext context)
    {
        var request = context.Request;
        var write = !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method);
        if (_token is null)
        {
            if (!IsThisMachine(request.Host.Host))
            {
                return Problems.Of(StatusCodes.Status403Forbidden, $"this service answers requests for localhost only, not for '{request.Host.Host}'",
                    "use http://127.0.0.1:PORT/, or give the service a token to serve other names");
            }

            // Only POST can come from another site's page without a preflight (a "simple" request);
            // PUT and DELETE always need one, which is never granted.
            if (HttpMethods.IsPost(request.Method) && !IsJson(request.ContentType))
            {
                return Problems.Of(StatusCodes.Status415UnsupportedMediaType, "a write must be sent as JSON",
                    "send the header 'Content-Type: application/json' (curl -H 'Content-Type: application/json')");
            }

            return null;
        }

        // The dashboard's own files hold no farm data: a browser elsewhere loads them without a
        // token (it cannot send one for a page) and the page then sends the token to the API.
        var local = context.Connection.RemoteIpAddress is { } address && IPAddress.IsLoopback(address);
        if ((local && !write) || (!write && DashboardAssets.IsAsset(request.Path)) || HasToken(request))
        {
            return null;
        }

        context.Response.Headers.WWWAuthenticate = "Bearer";
        return Problems.Of(StatusCodes.Status401Unauthorized, write ? "writes need the service's token" : "reads from other machines need the service's token",
            "send the header 'Authorization: Bearer TOKEN' with the token the service was started with");
    }

    private bool HasToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        return header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim()), _token!);
    }

    private static bool IsThisMachine(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));

    private static bool IsJson(string? contentType) =>
        contentType is not null && contentType.Split(';')[0].Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase);
}
