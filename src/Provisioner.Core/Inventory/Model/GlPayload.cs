using System.Text.RegularExpressions;

namespace Provisioner.Core.Inventory.Model;

/// <summary>
/// What worker.gl adds to a VM so EEVEE and Workbench draw on the passed-through card (docs/farm.md,
/// "Engines and OpenGL"). The GPU driver packages a headless server installs have no GL: Ubuntu's
/// nvidia-headless-NNN carries the kernel module and CUDA, not libnvidia-gl-NNN, so without it
/// EGL finds only Mesa and a GPU job lands on llvmpipe (refused by the worker, but an hour lost).
/// </summary>
public static partial class GlPayload
{
    public const string None = "none";
    public const string Egl = "egl";
    public const string Xorg = "xorg";

    /// <summary>
    /// The packages to add for <paramref name="gl"/>, given the VM's driver packages and device;
    /// or null when the driver branch cannot be told from <paramref name="driverPackages"/>
    /// (the caller says so, naming what to list).
    /// </summary>
    public static IReadOnlyList<string>? Packages(string gl, string device, IReadOnlyList<string> driverPackages)
    {
        if (gl == None)
        {
            return [];
        }

        // Software GL for a CPU worker: Mesa's EGL and its llvmpipe driver (jobs flagged software-gl).
        if (device == "CPU")
        {
            return ["libegl1", "libegl-mesa0", "libgl1-mesa-dri"];
        }

        var packages = new List<string> { "libegl1" };
        var branch = driverPackages.Select(p => DriverBranch().Match(p)).FirstOrDefault(m => m.Success)?.Groups["branch"].Value;
        if (!driverPackages.Any(p => p.StartsWith("libnvidia-gl-", StringComparison.Ordinal)))
        {
            if (branch is null)
            {
                return null;
            }

            packages.Add("libnvidia-gl-" + branch);
        }

        if (gl == Xorg)
        {
            packages.AddRange(["xserver-xorg-core", "xauth"]);
            if (!driverPackages.Any(p => p.StartsWith("xserver-xorg-video-nvidia", StringComparison.Ordinal)))
            {
                if (branch is null)
                {
                    return null;
                }

                packages.Add("xserver-xorg-video-nvidia-" + branch);
            }
        }

        return [.. packages.Where(p => !driverPackages.Contains(p))];
    }

    // nvidia-headless-535-server, nvidia-driver-550, nvidia-utils-535-server: Ubuntu's names for a
    // driver branch, whose GL and X packages share the suffix (libnvidia-gl-535-server). The
    // open kernel modules (...-open) use the same user-space packages, so -open is not part of it.
    [GeneratedRegex("\\Anvidia-(?:headless|driver|utils)(?:-no-dkms)?-(?<branch>[0-9]{3}(?:-server)?)(?:-open)?\\z")]
    private static partial Regex DriverBranch();
}
