using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Provisioner.Remote.Libvirt;

/// <summary>Turns libvirt's return conventions (-1 / NULL + a thread-local last error) into exceptions.</summary>
internal static class Libvirt
{
    /// <summary>
    /// libvirt prints every error to stderr unless a handler is set; ours does nothing, because
    /// each error is read (virGetLastErrorMessage) into the exception of the call that failed.
    /// </summary>
    public static unsafe void Silence() => NativeMethods.virSetErrorFunc(IntPtr.Zero, &Ignore);

    [UnmanagedCallersOnly]
    private static void Ignore(IntPtr userData, IntPtr error)
    {
    }

    public static LibvirtException Error(string operation)
    {
        var message = Marshal.PtrToStringUTF8(NativeMethods.virGetLastErrorMessage()) ?? "unknown error";
        var code = NativeMethods.virGetLastErrorCode();
        NativeMethods.virResetLastError();
        return new LibvirtException(operation, code, message);
    }

    public static void Check(int result, string operation)
    {
        if (result < 0)
        {
            throw Error(operation);
        }
    }

    /// <summary>A char* that libvirt allocated: copied, then freed with free().</summary>
    public static string TakeString(IntPtr text, string operation)
    {
        if (text == IntPtr.Zero)
        {
            throw Error(operation);
        }

        try
        {
            return Marshal.PtrToStringUTF8(text)!;
        }
        finally
        {
            unsafe
            {
                NativeMemory.Free((void*)text);
            }
        }
    }
}
