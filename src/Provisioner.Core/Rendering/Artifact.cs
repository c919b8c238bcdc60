namespace Provisioner.Core.Rendering;

/// <summary>One reviewable output file of `provision render`, relative to the output directory.</summary>
public sealed record Artifact(string RelativePath, string Content);
