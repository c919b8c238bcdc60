using Renci.SshNet;

namespace Provisioner.Remote.Ssh;

/// <summary>
/// One SSH exec channel used as a pipe: <see cref="Input"/> is the remote command's stdin,
/// <see cref="Output"/> its stdout (reads block until data arrives and end when the command
/// exits), <see cref="Completion"/> ends with it.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "it is a byte stream pair over one SSH channel; it exposes Streams rather than being one")]
public sealed class ExecStream : IDisposable
{
    private readonly SshCommand _command;

    private ExecStream(SshCommand command, Stream input, Task completion)
    {
        _command = command;
        Input = input;
        Completion = completion;
    }

    public Stream Input { get; }

    public Stream Output => _command.OutputStream;

    public Task Completion { get; }

    /// <summary>What the command wrote on stderr so far (for error messages).</summary>
    public string Error => _command.Error;

    internal static ExecStream Start(SshCommand command)
    {
        var completion = command.ExecuteAsync();
        var input = command.CreateInputStream();
        return new ExecStream(command, input, completion);
    }

    public void Dispose()
    {
        try
        {
            Input.Dispose(); // EOF on the remote stdin: the helper exits
            _command.CancelAsync();
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException or Renci.SshNet.Common.SshException)
        {
            // Already closed by the other side.
        }

        _command.Dispose();
    }
}
