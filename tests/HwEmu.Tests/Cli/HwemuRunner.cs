using HwEmu.Cli;

namespace HwEmu.Tests.Cli;

/// <summary>Runs the hwemu command line in-process with captured output.</summary>
internal static class HwemuRunner
{
    public static (int Code, string Out, string Err) Hwemu(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Program.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }
}
