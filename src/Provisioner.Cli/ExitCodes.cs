namespace Provisioner.Cli;

/// <summary>Exit codes. With --detailed-exitcode, plan returns Changes when there is something to do.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int Error = 1;
    public const int Changes = 2;
}
