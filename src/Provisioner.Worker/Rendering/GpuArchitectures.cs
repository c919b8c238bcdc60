using System.Text.RegularExpressions;

namespace Provisioner.Worker.Rendering;

/// <summary>
/// A card's compute capability from the name nvidia-smi gives it, for drivers too old to answer
/// <c>compute_cap</c>. Only data-centre and workstation names the farm meets, most specific first
/// ("RTX 6000 Ada" before "RTX A6000"); an unknown name gives null and no architecture rule applies.
/// </summary>
public static partial class GpuArchitectures
{
    private static readonly (Regex Name, string Capability)[] Names =
    [
        (Blackwell(), "10.0"),
        (BlackwellWorkstation(), "12.0"),
        (Hopper(), "9.0"),
        (Ada(), "8.9"),
        (AmpereGa100(), "8.0"),
        (AmpereGa10x(), "8.6"),
        (Turing(), "7.5"),
        (Volta(), "7.0"),
    ];

    public static string? FromName(string name) => Names.FirstOrDefault(n => n.Name.IsMatch(name)).Capability;

    [GeneratedRegex(@"\b(B100|B200|GB200)\b")]
    private static partial Regex Blackwell();

    [GeneratedRegex(@"\bRTX (50[5-9]0|PRO \d000 Blackwell)\b|Blackwell")]
    private static partial Regex BlackwellWorkstation();

    [GeneratedRegex(@"\b(H100|H200|H800|GH200)\b")]
    private static partial Regex Hopper();

    [GeneratedRegex(@"\b(L4|L40S?|L20)\b|\bRTX 40[5-9]0\b|\bRTX \d000 Ada\b")]
    private static partial Regex Ada();

    [GeneratedRegex(@"\b(A100|A30|A800)\b")]
    private static partial Regex AmpereGa100();

    [GeneratedRegex(@"\b(A2|A10G?|A16|A40)\b|\bRTX A\d{4}\b|\bRTX 30[5-9]0\b")]
    private static partial Regex AmpereGa10x();

    [GeneratedRegex(@"\bT4\b|\bQuadro RTX \d000\b|\bRTX 20[6-8]0\b|\bTITAN RTX\b|\bGTX 16[5-6]0\b")]
    private static partial Regex Turing();

    [GeneratedRegex(@"\bV100\b|\bTITAN V\b|\bGV100\b")]
    private static partial Regex Volta();
}
