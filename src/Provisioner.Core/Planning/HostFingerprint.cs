namespace Provisioner.Core.Planning;

/// <summary>
/// What a live plan of one host was made from: the host key it answered with, its boot, and
/// the hash of its facts (<see cref="Facts.FactsFingerprint"/>). `apply plan.json` refuses a
/// host whose fingerprint moved since.
/// </summary>
public sealed record HostFingerprint(string HostKey, string BootId, string Facts);
