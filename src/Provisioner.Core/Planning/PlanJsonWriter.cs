using Provisioner.Core.Text;

namespace Provisioner.Core.Planning;

/// <summary>The machine-readable plan (--json, -out): <see cref="JsonOutput"/>'s conventions, versioned by format_version.</summary>
public static class PlanJsonWriter
{
    public static string ToJson(Plan plan) => JsonOutput.Serialize(plan);
}
