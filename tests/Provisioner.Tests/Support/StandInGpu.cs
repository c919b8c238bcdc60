using System.Globalization;

namespace Provisioner.Tests.Support;

/// <summary>
/// A GPU for worker tests, where none can exist: tests/farm/nvidia-smi (which answers in the real
/// tool's format and fails as it does) copied into a directory of its own, with the state it
/// reports. <see cref="Set"/> rewrites the state atomically, so a reading is never half old.
/// </summary>
public sealed class StandInGpu : IDisposable
{
    private readonly TempDirectory directory = new();

    public StandInGpu(int utilization = 0, int temperature = 34, string throttle = "0x0000000000000001")
    {
        Path = System.IO.Path.Combine(directory.Path, "nvidia-smi");
        File.Copy(Repo.Path("tests", "farm", "nvidia-smi"), Path);
        File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        Set(utilization, temperature, throttle);
    }

    /// <summary>The stand-in's path: the worker's PROVISION_NVIDIA_SMI.</summary>
    public string Path { get; }

    /// <summary>What the GPU reports from now on; <paramref name="driver"/> false: nvidia-smi fails as with no driver loaded.</summary>
    public void Set(int utilization, int temperature, string throttle = "0x0000000000000000", string power = "227.41", bool driver = true, int gpus = 1, string name = "NVIDIA RTX A5000", string driverVersion = "535.104.05", string computeCapability = "8.6")
    {
        var i = CultureInfo.InvariantCulture;
        var state = $"gpus={gpus.ToString(i)} util={utilization.ToString(i)} mem_used={(utilization > 0 ? 7012 : 1).ToString(i)} temp={temperature.ToString(i)} power='{power}' throttle={throttle} driver={(driver ? "yes" : "no")} name='{name}' driver_version={driverVersion} compute_cap={computeCapability}\n";
        var temporary = System.IO.Path.Combine(directory.Path, "nvidia-smi.state.new");
        File.WriteAllText(temporary, state);
        File.Move(temporary, System.IO.Path.Combine(directory.Path, "nvidia-smi.state"), overwrite: true);
    }

    public void Dispose() => directory.Dispose();
}
