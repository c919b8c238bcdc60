using Microsoft.AspNetCore.Http;

namespace Provisioner.Service;

/// <summary>
/// Errors as RFC 7807 problem details: the CLI's message as the detail, and what to do about it
/// as <c>fix</c>, as every diagnostic of ours carries one.
/// </summary>
internal static class Problems
{
    public static IResult Of(int status, string detail, string? fix = null) =>
        Results.Problem(detail: detail, statusCode: status, extensions: fix is null ? null : new Dictionary<string, object?> { ["fix"] = fix });

    public static IResult NoJob(string id) =>
        Of(StatusCodes.Status404NotFound, $"no job '{id}' in the queue", "list the jobs with GET /api/v1/jobs");

    public static IResult BadId(string id) =>
        Of(StatusCodes.Status400BadRequest, $"'{Shown(id)}' is not a job id: letters, digits, '.', '_' and '-'");

    /// <summary>A value from the request, shown without control characters and cut short, so it cannot forge a log line.</summary>
    public static string Shown(string value)
    {
        var clean = new string([.. value.Take(80).Select(c => char.IsControl(c) ? '?' : c)]);
        return value.Length > 80 ? clean + $"... ({value.Length} characters)" : clean;
    }
}
