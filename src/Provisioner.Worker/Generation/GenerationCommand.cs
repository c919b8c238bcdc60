using System.Globalization;
using Provisioner.Farm.Jobs;
using Provisioner.Worker.Rendering;

namespace Provisioner.Worker.Generation;

/// <summary>
/// The command line of one generation task: the job's script run once for the task's items, with
/// the fixed contract <c>-- --seed S --count N --output DIR</c> (see <see cref="GenerationSpec"/>).
/// Plain mode runs Blender itself; BlenderProc mode runs <c>blenderproc run</c> with the worker's
/// own Blender, so the farm's Blender (the one the worker probed) is the one that renders.
/// Arguments go to the process as a list, never through a shell.
/// </summary>
public sealed record GenerationCommand(
    string Blender,
    string? Blenderproc,
    string? Scene,
    string Script,
    int Seed,
    int Count,
    string OutputDirectory,
    string Device,
    int? Samples,
    int? Threads,
    RenderOptions Settings,
    string EngineId = "CYCLES")
{
    /// <summary>The program started: Blender, or BlenderProc's launcher.</summary>
    public string Program => Blenderproc ?? Blender;

    /// <summary>What the script is told, the same in both modes.</summary>
    public IReadOnlyList<string> ScriptArguments() =>
    [
        "--seed", Seed.ToString(CultureInfo.InvariantCulture),
        "--count", Count.ToString(CultureInfo.InvariantCulture),
        "--output", OutputDirectory,
    ];

    public IReadOnlyList<string> Arguments()
    {
        if (Blenderproc is not null)
        {
            // BlenderProc wants the directory of an unpacked Blender release (it looks for the
            // version folder beside the binary); a scene, if any, is the script's to load.
            return ["run", "--custom-blender-path", Path.GetDirectoryName(Blender)!, Script, .. ScriptArguments()];
        }

        // --factory-startup: the same seed makes the same image on every VM, whatever a user's
        // startup file or preferences say there. Then the scene, if the job has one.
        var args = new List<string> { "--factory-startup", "-b" };
        if (Scene is not null)
        {
            args.Add(Scene);
        }

        if (Threads is { } threads)
        {
            args.AddRange(["-t", threads.ToString(CultureInfo.InvariantCulture)]);
        }

        // Without --python-exit-code Blender exits 0 when a script or statement raises: a failed
        // task would look done. It applies to what follows it, so it comes first.
        args.AddRange(["--python-exit-code", "1"]);
        if (Device != "CPU" && EngineId == "CYCLES")
        {
            // A render job gets this from --cycles-device, which Cycles reads after '--'; here the
            // arguments after '--' are the script's contract, so the device is set in Python.
            args.AddRange(["--python-expr", GpuStatement(Device)]);
        }

        if (Samples is { } samples)
        {
            args.AddRange(["--python-expr", RenderOptions.SamplesStatement(EngineId, samples)]);
        }

        if (Settings.Statements() is { Count: > 0 } statements)
        {
            args.AddRange(["--python-expr", "import bpy; s = bpy.context.scene; " + string.Join("; ", statements)]);
        }

        args.AddRange(["--python", Script, "--", .. ScriptArguments()]);
        return args;
    }

    /// <summary>
    /// Cycles' compute type and every device of that type on, and the scene on the GPU (device is
    /// OPTIX or CUDA, never job text). With no device of that type Cycles would quietly render on
    /// the CPU: the statement stops Blender instead, in the words Blender itself uses for
    /// <c>--cycles-device</c>, so the worker can fall back from OptiX to CUDA the same way for both.
    /// </summary>
    private static string GpuStatement(string device) => string.Join('\n',
        "import bpy",
        "p = bpy.context.preferences.addons['cycles'].preferences",
        "try: p.compute_device_type = '" + device + "'",
        "except TypeError: pass",
        "p.get_devices()",
        "if not any(d.type == '" + device + "' for d in p.devices): raise SystemExit('Error: " + Rendering.DeviceChoice.NoDeviceOfType + " (" + device + ")')",
        "[setattr(d, 'use', d.type == '" + device + "') for d in p.devices]",
        "bpy.context.scene.cycles.device = 'GPU'");

    public override string ToString() => CommandLine.Show(Program, Arguments());
}
