using Provisioner.Farm.Jobs;
using Provisioner.Tests.Support;
using Provisioner.Worker.Rendering;

namespace Provisioner.Tests.Farm;

/// <summary>The driver checks: nvidia-smi read in the real format (old drivers cannot say compute_cap), the table, and the device chosen.</summary>
public sealed class DriverCheckTests
{
    private static GpuIdentity Card(string name, string driver, string? cc = null) => new(name, DriverVersion.Of(driver), cc);

    [Fact]
    public async Task Query_NewDriver_NamesCardDriverAndComputeCapability()
    {
        using var gpu = new StandInGpu();
        gpu.Set(0, 34, name: "NVIDIA L40S", driverVersion: "550.54.15", computeCapability: "8.9");

        var (card, problem) = await DriverQuery.ReadAsync(gpu.Path, CancellationToken.None);

        Assert.Null(problem);
        Assert.Equal("NVIDIA L40S", card!.Name);
        Assert.Equal("550.54.15", card.Driver.ToString());
        Assert.Equal("8.9", card.ComputeCapability);
    }

    [Fact]
    public async Task Query_DriverBefore510_RefusesComputeCap_ArchitectureComesFromTheName()
    {
        using var gpu = new StandInGpu();
        gpu.Set(0, 34, name: "NVIDIA A100-SXM4-40GB", driverVersion: "460.32.03", computeCapability: "8.0");

        var (card, problem) = await DriverQuery.ReadAsync(gpu.Path, CancellationToken.None);

        Assert.Null(problem);
        Assert.Null(card!.ComputeCapability);
        Assert.Equal("8.0", card.Architecture);
        Assert.Equal("NVIDIA A100-SXM4-40GB, driver 460.32.03, compute 8.0", card.ToString());
    }

    [Fact]
    public async Task Query_NoDriverLoaded_SaysSo()
    {
        using var gpu = new StandInGpu();
        gpu.Set(0, 34, driver: false);

        var (card, problem) = await DriverQuery.ReadAsync(gpu.Path, CancellationToken.None);

        Assert.Null(card);
        Assert.Contains("couldn't communicate with the NVIDIA driver", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_NoNvidiaSmiInstalled_IsAProblemNotACrash()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-nvidia-smi-{Guid.NewGuid():N}", "nvidia-smi");

        var (card, problem) = await DriverQuery.ReadAsync(missing, CancellationToken.None);

        Assert.Null(card);
        Assert.Contains("nvidia-smi could not start", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NVIDIA A100-SXM4-40GB", "8.0")]
    [InlineData("A100-PCIE-40GB", "8.0")]
    [InlineData("NVIDIA RTX A5000", "8.6")]
    [InlineData("NVIDIA A10G", "8.6")]
    [InlineData("NVIDIA GeForce RTX 3090", "8.6")]
    [InlineData("NVIDIA RTX 6000 Ada Generation", "8.9")]
    [InlineData("NVIDIA L4", "8.9")]
    [InlineData("NVIDIA GeForce RTX 4090", "8.9")]
    [InlineData("NVIDIA H100 80GB HBM3", "9.0")]
    [InlineData("Tesla T4", "7.5")]
    [InlineData("Quadro RTX 8000", "7.5")]
    [InlineData("Tesla V100-SXM2-16GB", "7.0")]
    [InlineData("NVIDIA GeForce RTX 2070 SUPER", "7.5")]
    [InlineData("Some Future Card", null)]
    public void Architecture_FromTheName(string name, string? capability) =>
        Assert.Equal(capability, GpuArchitectures.FromName(name));

    [Fact]
    public void DriverVersion_ComparesNumbersNotText()
    {
        Assert.True(DriverVersion.Of("470.57.02").IsOlderThan(DriverVersion.Of("470.103.01")));
        Assert.True(DriverVersion.Of("455.23").IsOlderThan(DriverVersion.Of("455.23.04")));
        Assert.False(DriverVersion.Of("470").IsOlderThan(DriverVersion.Of("470.0")));
        Assert.True(DriverVersion.Of("99.1").IsOlderThan(DriverVersion.Of("450.36.06")));
        Assert.Null(DriverVersion.TryParse("N/A"));
        Assert.Null(DriverVersion.TryParse("535..1"));
    }

    [Fact]
    public void Seed000_A100On460_IsRefusedForCudaAndOptix_470Renders()
    {
        var old = Card("NVIDIA A100-SXM4-40GB", "460.32.03");

        foreach (var device in new[] { RenderDevices.Cuda, RenderDevices.Optix, RenderDevices.OptixThenCuda })
        {
            var refused = DeviceChoice.For(old, device, "3.6.5");
            Assert.Null(refused.Device);
            Assert.StartsWith($"{device} task refused: NVIDIA A100-SXM4-40GB, driver 460.32.03, compute 8.0: driver 460.32.03 is older than 470, which an A100-class card (compute 8.0) in Blender 3.0 or newer needs (seed 000", refused.Problem, StringComparison.Ordinal);
            Assert.Contains("worker.nvidia_packages", refused.Problem, StringComparison.Ordinal);
        }

        Assert.Equal(new DeviceChoice(RenderDevices.Optix, null), DeviceChoice.For(Card("NVIDIA A100-SXM4-40GB", "470.57.02", "8.0"), RenderDevices.Optix, "3.6.5"));
        Assert.Equal(new DeviceChoice(RenderDevices.Cuda, null), DeviceChoice.For(Card("NVIDIA A100-SXM4-40GB", "470.57.02", "8.0"), RenderDevices.Cuda, "3.6.5"));
    }

    [Fact]
    public void Architecture_OlderThanItsToolkitsDriver_IsRefused_WhateverTheBlender()
    {
        var choice = DeviceChoice.For(Card("NVIDIA L40S", "515.65.01", "8.9"), RenderDevices.Cuda, "2.93.1");

        Assert.StartsWith("CUDA task refused: NVIDIA L40S, driver 515.65.01, compute 8.9: driver 515.65.01 is older than 520.61.05, which compute 8.9 (Ada; CUDA 11.8) needs (NVIDIA CUDA Toolkit release notes", choice.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void OptixOnADriverOlderThan470_RefusedAlone_CudaWithOptixThenCuda_Recorded()
    {
        var card = Card("NVIDIA RTX A5000", "465.19.01", "8.6");

        var optix = DeviceChoice.For(card, RenderDevices.Optix, "3.4.1");
        Assert.StartsWith("OPTIX task refused: NVIDIA RTX A5000, driver 465.19.01, compute 8.6: driver 465.19.01 is older than 470, which OptiX in Blender 3.0 or newer needs (Blender 3.0 manual", optix.Problem, StringComparison.Ordinal);
        Assert.EndsWith("or submit with --device CUDA or OPTIX,CUDA", optix.Problem, StringComparison.Ordinal);

        var both = DeviceChoice.For(card, RenderDevices.OptixThenCuda, "3.4.1");
        Assert.Equal(RenderDevices.Cuda, both.Device);
        Assert.Null(both.Problem);
        Assert.StartsWith("OptiX passed over for CUDA: driver 465.19.01 is older than 470", both.Note, StringComparison.Ordinal);

        Assert.Equal(RenderDevices.Cuda, DeviceChoice.For(card, RenderDevices.Cuda, "3.4.1").Device);
    }

    [Fact]
    public void Blender2_HasNoOptixFigure_AndAnUnaskedBlenderIsHeldToTheNewerRules()
    {
        var card = Card("NVIDIA RTX A5000", "465.19.01", "8.6");

        Assert.Equal(RenderDevices.Optix, DeviceChoice.For(card, RenderDevices.Optix, "2.93.1").Device);
        Assert.NotNull(DeviceChoice.For(card, RenderDevices.Optix, null).Problem);
    }

    [Fact]
    public void UnknownArchitecture_NoArchitectureRule_OptixRuleStillHolds()
    {
        var card = Card("Some Future Card", "460.1", null);

        Assert.Equal(RenderDevices.Cuda, DeviceChoice.For(card, RenderDevices.Cuda, "4.2.0").Device);
        Assert.NotNull(DeviceChoice.For(card, RenderDevices.Optix, "4.2.0").Problem);
    }

    [Fact]
    public void EveryRowNamesItsSource()
    {
        Assert.All(DriverTable.Architectures.Values.Append(DriverTable.Optix3).Append(DriverTable.A100Blender3), need => Assert.False(string.IsNullOrWhiteSpace(need.Source)));
    }

    [Fact]
    public void OptixThenCuda_IsAValidJobDevice()
    {
        Assert.Null(JobValidation.Problem(new JobSpec { Id = "j", Src = "/srv/share/a.blend", Frames = "1", Output = "/srv/share/out", Device = "OPTIX,CUDA" }));
        Assert.Equal("device 'CUDA,OPTIX' must be one of OPTIX, CUDA, CPU, OPTIX,CUDA",
            JobValidation.Problem(new JobSpec { Id = "j", Src = "/srv/share/a.blend", Frames = "1", Output = "/srv/share/out", Device = "CUDA,OPTIX" }));
    }
}
