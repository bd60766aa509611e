using System.Globalization;

namespace HwEmu.Traces.Qemu;

/// <summary>What a QEMU log import read and wrote.</summary>
public sealed class QemuImportStatistics
{
    private readonly SortedDictionary<string, long> _used = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> _ignored = new(StringComparer.Ordinal);

    /// <summary>Lines read from the log.</summary>
    public long Lines { get; internal set; }
    /// <summary>Lines that are not trace events (blank lines, guest-error messages other than translation failures).</summary>
    public long OtherLines { get; internal set; }
    /// <summary>Translations imported (successes, bypasses, aborts and faults).</summary>
    public long Translations { get; internal set; }
    /// <summary>Faulting translations among <see cref="Translations"/>.</summary>
    public long Faults { get; internal set; }
    /// <summary>MSI writes to GITS_TRANSLATER imported.</summary>
    public long Msis { get; internal set; }
    /// <summary>MSIs for which the log shows the LPI QEMU delivered.</summary>
    public long MsisWithExpectation { get; internal set; }
    /// <summary>SMMU commands rebuilt from their operands.</summary>
    public long SmmuCommands { get; internal set; }
    /// <summary>ITS commands rebuilt from their operands.</summary>
    public long ItsCommands { get; internal set; }
    /// <summary>Register writes imported (SMMU, ITS, distributor, redistributors).</summary>
    public long RegisterWrites { get; internal set; }
    /// <summary>Descriptor values read by walks, placed as memory writes (after removing repeats).</summary>
    public long PteWrites { get; internal set; }
    /// <summary>Non-zero 4 KiB pages of the RAM image written into the trace.</summary>
    public long RamPages { get; internal set; }
    /// <summary>Records written, including the header.</summary>
    public long Records { get; internal set; }

    /// <summary>Count of each event name the importer used.</summary>
    public IReadOnlyDictionary<string, long> UsedEvents => _used;
    /// <summary>Count of each event name the importer does not need (reads, cache statistics, device events...).</summary>
    public IReadOnlyDictionary<string, long> IgnoredEvents => _ignored;

    internal void Used(string name) => _used[name] = _used.GetValueOrDefault(name) + 1;
    internal void Ignored(string name) => _ignored[name] = _ignored.GetValueOrDefault(name) + 1;

    /// <summary>Writes a short human-readable report.</summary>
    public void WriteTo(TextWriter output)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(inv, $"lines:            {Lines}"));
        output.WriteLine(string.Create(inv, $"translations:     {Translations} ({Faults} faults)"));
        output.WriteLine(string.Create(inv, $"msi writes:       {Msis} ({MsisWithExpectation} with the delivered LPI)"));
        output.WriteLine(string.Create(inv, $"smmu commands:    {SmmuCommands}"));
        output.WriteLine(string.Create(inv, $"its commands:     {ItsCommands}"));
        output.WriteLine(string.Create(inv, $"register writes:  {RegisterWrites}"));
        output.WriteLine(string.Create(inv, $"pte writes:       {PteWrites}"));
        output.WriteLine(string.Create(inv, $"ram pages:        {RamPages}"));
        output.WriteLine(string.Create(inv, $"records written:  {Records}"));
        if (_ignored.Count > 0)
        {
            output.WriteLine("events not needed: " + string.Join(", ", _ignored.Select(kv => string.Create(inv, $"{kv.Key} {kv.Value}"))));
        }
    }
}
