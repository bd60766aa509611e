using System.CommandLine;
using HwEmu.Traces.Qemu;

namespace HwEmu.Cli.Commands;

/// <summary><c>hwemu import qemu --log LOG [--ram RAM --ram-base ADDR] -o OUT</c>: QEMU trace log → HwEmu trace.</summary>
public static class ImportCommand
{
    /// <summary>Creates the command group.</summary>
    public static Command Create(TextWriter output)
    {
        var import = new Command("import", "Turn traces of other tools into HwEmu traces.");
        var log = new Option<FileInfo>("--log") { Description = "QEMU trace log (log backend, optionally .gz)", Required = true };
        var ram = new Option<FileInfo?>("--ram") { Description = "Guest RAM image (QEMU pmemsave, optionally .gz)" };
        var ramBase = new Option<string>("--ram-base") { Description = "Guest physical address of the RAM image (default 0x40000000, QEMU virt)", DefaultValueFactory = _ => "0x40000000" };
        var outFile = new Option<FileInfo>("--output", "-o") { Description = "HwEmu trace to write", Required = true };
        var qemu = new Command("qemu",
            "Import a QEMU trace log (events smmu*, smmuv3*, gicv3_its*, gicv3_dist_write, gicv3_redist_write; with or\n" +
            "without the TID@SEC.USEC: prefix) and an optional RAM image of the QEMU virt machine. Register writes, queue\n" +
            "commands, the PTEs each walk read, translations with QEMU's result and MSIs with the LPI QEMU delivered become\n" +
            "records that `hwemu replay --verify` re-executes and compares.")
        {
            log, ram, ramBase, outFile,
        };
        qemu.SetAction(parse =>
        {
            FileInfo l = parse.GetValue(log)!, o = parse.GetValue(outFile)!;
            FileInfo? r = parse.GetValue(ram);
            string baseText = parse.GetValue(ramBase)!;
            if (!QemuLogLine.TryNumber(baseText, out ulong rb) || rb >= 1UL << 52 || (rb & 0xfff) != 0)
            {
                throw new BadInputException($"--ram-base: '{baseText}' is not a 4 KiB-aligned physical address (e.g. 0x40000000)");
            }
            if (!l.Exists) throw new BadInputException($"{l.FullName}: no such file");
            if (r is { Exists: false }) throw new BadInputException($"{r.FullName}: no such file");
            try
            {
                var stats = QemuLogImporter.Import(l.FullName, r?.FullName, rb, o.FullName);
                output.WriteLine($"wrote {o.FullName}");
                stats.WriteTo(output);
                return Program.ExitOk;
            }
            catch (QemuLogFormatException ex)
            {
                TryDelete(o);
                throw new BadInputException(ex.Message, ex);
            }
            catch (IOException ex)
            {
                TryDelete(o);
                throw new BadInputException(ex.Message, ex);
            }
        });
        import.Subcommands.Add(qemu);
        return import;
    }

    private static void TryDelete(FileInfo f)
    {
        try { f.Refresh(); if (f.Exists) f.Delete(); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
