using Provisioner.Core.Planning;
using Provisioner.Tests.Support;

namespace Provisioner.Tests.Planning;

/// <summary>When a plan saved with `plan -out` may still be applied to a host, planned again now.</summary>
public sealed class SavedPlanTests
{
    private static readonly HostPlan Now = HostPlanner.PlanHostOffline(Rendered.Hosts(Path.Combine(Repo.Fixtures, "fleet.yaml"))[0])
        with
    { Fingerprint = new HostFingerprint("ssh-ed25519 AAAA", "boot-1", "sha256:facts") };

    private static SavedPlan Saved(HostPlan plan) =>
        SavedPlan.Parse(PlanJsonWriter.ToJson(new Plan(Plan.CurrentFormatVersion, "fleet.yaml", false, [plan], [])), "plan.json");

    [Fact]
    public void Refusal_SameHostFactsAndPlan_IsNone() => Assert.Null(Saved(Now).Refusal(Now));

    [Fact]
    public void Refusal_SaysWhatChanged()
    {
        var saved = Saved(Now);

        Assert.StartsWith("its host key is now ssh-ed25519 BBBB", saved.Refusal(Now with { Fingerprint = Now.Fingerprint! with { HostKey = "ssh-ed25519 BBBB" } }), StringComparison.Ordinal);
        Assert.Equal("it rebooted since the plan was saved", saved.Refusal(Now with { Fingerprint = Now.Fingerprint! with { BootId = "boot-2" } }));
        Assert.StartsWith("its facts changed", saved.Refusal(Now with { Fingerprint = Now.Fingerprint! with { Facts = "sha256:other" } }), StringComparison.Ordinal);
        Assert.StartsWith("planning again gives another plan", saved.Refusal(Now with { Steps = [.. Now.Steps.Skip(1)] }), StringComparison.Ordinal);
        Assert.Equal("the saved plan does not name this host", saved.Refusal(Now with { Host = "other" }));
    }
}
