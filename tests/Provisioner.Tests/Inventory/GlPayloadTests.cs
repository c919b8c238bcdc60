using Provisioner.Core.Inventory.Model;

namespace Provisioner.Tests.Inventory;

/// <summary>worker.gl's packages: the GL (and X) packages of the driver branch the VM installs.</summary>
public sealed class GlPayloadTests
{
    [Theory]
    [InlineData("egl", "nvidia-headless-535-server,nvidia-utils-535-server", "libegl1,libnvidia-gl-535-server")]
    [InlineData("egl", "nvidia-driver-550", "libegl1,libnvidia-gl-550")]
    [InlineData("egl", "nvidia-headless-570-server-open", "libegl1,libnvidia-gl-570-server")]
    [InlineData("egl", "nvidia-headless-no-dkms-535", "libegl1,libnvidia-gl-535")]
    [InlineData("xorg", "nvidia-headless-535-server", "libegl1,libnvidia-gl-535-server,xserver-xorg-core,xauth,xserver-xorg-video-nvidia-535-server")]
    [InlineData("egl", "my-driver,libnvidia-gl-535", "libegl1")]
    [InlineData("xorg", "my-driver,libnvidia-gl-535,xserver-xorg-video-nvidia-535", "libegl1,xserver-xorg-core,xauth")]
    [InlineData("none", "nvidia-headless-535-server", "")]
    public void Packages_FromTheDriverBranch_NeverTwice(string gl, string driver, string expected)
    {
        var packages = GlPayload.Packages(gl, "OPTIX", driver.Split(','));

        Assert.Equal(expected, string.Join(",", packages!));
    }

    [Theory]
    [InlineData("egl", "my-driver")]
    [InlineData("xorg", "my-driver,libnvidia-gl-535")]
    [InlineData("egl", "")]
    public void Packages_BranchUnknown_IsNull(string gl, string driver)
    {
        Assert.Null(GlPayload.Packages(gl, "CUDA", driver.Split(',', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void Packages_CpuWorker_GetsMesasSoftwareGl()
    {
        Assert.Equal(["libegl1", "libegl-mesa0", "libgl1-mesa-dri"], GlPayload.Packages("egl", "CPU", []));
    }
}
