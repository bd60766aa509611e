using System.Buffers.Binary;
using System.IO.Compression;
using HwEmu.Devices.Gic;
using HwEmu.Devices.Smmu;
using HwEmu.Traces.Format;
using HwEmu.Traces.Recording;
using TranslationSource = HwEmu.Traces.Format.TranslationSource;

namespace HwEmu.Traces.Qemu;

/// <summary>
/// Turns a QEMU trace log (log backend; events <c>smmu*</c>, <c>smmuv3*</c>, <c>gicv3_its*</c>,
/// <c>gicv3_dist_write</c>, <c>gicv3_redist_write</c>) and an optional RAM image into a HwEmu trace whose stimulus
/// replays through the models and whose expectations are QEMU's results:
/// <list type="bullet">
/// <item>the RAM image's non-zero pages, as memory writes at time 0;</item>
/// <item>register writes (<c>smmuv3_write_mmio</c>, <c>gicv3_its_write</c>, distributor and redistributor writes);</item>
/// <item>SMMU and ITS commands rebuilt from the operand lines that follow each opcode line, written into the queue
/// slot QEMU consumed them from just before the register write that made QEMU consume them (QEMU traces a register
/// write after its handler ran, so the commands precede it in the log);</item>
/// <item>each descriptor a walk read (<c>smmu_get_pte</c>), as an 8-byte memory write placed before that translation,
/// since page tables change during a run and a RAM image is one snapshot;</item>
/// <item>each translation as a DmaIssued record (stimulus) followed by a Translation or TranslationFault record
/// (QEMU's result = the expectation);</item>
/// <item>each <c>gicv3_its_translation_write</c> as an MsiWrite (DeviceID = requester_id, data = EventID) followed by
/// an InterruptDelivered record with the LPI QEMU's ITE read gave, when the DTE, ITE and CTE reads were valid.</item>
/// </list>
/// Event formats of QEMU 7.2 and later (reference smmuv3.md §1.7, gic.md §1.8) are accepted, including the drift
/// between releases (<c>sid=%d</c>/<c>sid=0x%x</c>, <c>smmuv3_s1_range_inval</c>/<c>smmuv3_range_inval</c>,
/// <c>smmuv3_record_event</c>/<c>smmuv3_propagate_event</c>, optional <c>stage=</c>).
/// </summary>
public sealed class QemuLogImporter
{
    private const ushort SmmuComponent = 0, ItsComponent = 1, GicdComponent = 2, GicrComponent = 3;

    private readonly QemuVirtPlatform _platform;
    private readonly TraceWriter _writer;
    private readonly string _file;
    private readonly QemuImportStatistics _stats = new();
    private readonly Dictionary<ulong, ulong> _pte = new();
    private readonly Dictionary<string, uint> _regionSid = new(StringComparer.Ordinal);
    private readonly List<PendingSmmuCommand> _smmuCommands = new();
    private readonly List<PendingItsCommand> _itsCommands = new();
    private readonly byte[] _buf = new byte[32];

    private long _lineNo;
    private string _event = "";
    private ulong _time;
    private long _firstMicros = -1;
    private ulong _cmdqBase;
    private int _cmdqLog2;
    private ulong _itsCbase, _itsCbaseRaw, _cmdqBaseRaw;
    private ulong _txn;
    private int _walkReads;
    private bool _configMiss, _iotlbHit;
    private ulong _lastWalkIova;
    private PendingMsi? _msi;
    private PendingFault? _fault;

    private sealed class PendingSmmuCommand
    {
        public uint Index;
        public CmdqOpcode Opcode;
        public ulong Dw0, Dw1;
        public byte Error;
        public bool HasRange;
        public ulong Pages;
        public int Tg;
    }

    private sealed class PendingItsCommand
    {
        public uint Offset;
        public byte Opcode;
        public ItsCommand Command;
    }

    private sealed class PendingMsi
    {
        public ulong Time;
        public uint DeviceId, EventId;
        public bool DteValid, IteValid, CteValid, Fault;
        public uint IntId;
        public uint Cpu;
    }

    private sealed record PendingFault(ulong Time, ulong Iova, string Region, byte EventType);

    private QemuLogImporter(TraceWriter writer, QemuVirtPlatform platform, string file)
    {
        _writer = writer;
        _platform = platform;
        _file = file;
    }

    /// <summary>Imports <paramref name="logPath"/> (gzip-compressed when it starts with the gzip magic) and the optional
    /// RAM image into a new trace at <paramref name="outputPath"/>.</summary>
    /// <exception cref="QemuLogFormatException">A known event line is malformed or the RAM image cannot be read.</exception>
    public static QemuImportStatistics Import(string logPath, string? ramPath, ulong ramBase, string outputPath, TraceWriterOptions? options = null)
    {
        QemuVirtPlatform platform = new() { RamBase = ramBase };
        using var log = OpenMaybeGzip(logPath);
        Stream? ram = null;
        try
        {
            if (ramPath is not null)
            {
                ram = OpenMaybeGzip(ramPath);
            }
            var header = new TraceHeader
            {
                EmulatorVersion = typeof(QemuLogImporter).Assembly.GetName().Version?.ToString() ?? "",
                Platform = platform.Describe(),
                Scenario = "imported from QEMU trace log " + Path.GetFileName(logPath) +
                           (ramPath is null ? "" : " with RAM image " + Path.GetFileName(ramPath)),
            };
            using var writer = TraceWriter.Create(outputPath, header, options);
            return Import(new StreamReader(log), ram, platform, writer, Path.GetFileName(logPath), ramPath is null ? "" : Path.GetFileName(ramPath));
        }
        finally
        {
            ram?.Dispose();
        }
    }

    /// <summary>Imports a log (and optional RAM image stream, loaded at <see cref="QemuVirtPlatform.RamBase"/>) into
    /// <paramref name="writer"/>, whose header should describe <paramref name="platform"/>.</summary>
    public static QemuImportStatistics Import(TextReader log, Stream? ram, QemuVirtPlatform platform, TraceWriter writer, string logName = "log", string ramName = "ram")
    {
        var importer = new QemuLogImporter(writer, platform, logName);
        if (ram is not null) importer.WriteRamImage(ram, ramName);
        importer.Run(log);
        importer._stats.Records = writer.RecordCount;
        return importer._stats;
    }

    private static Stream OpenMaybeGzip(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        Span<byte> magic = stackalloc byte[2];
        int got = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        return got == 2 && magic[0] == 0x1f && magic[1] == 0x8b ? new GZipStream(file, CompressionMode.Decompress) : file;
    }

    private void WriteRamImage(Stream ram, string name)
    {
        var page = new byte[4096];
        ulong pa = _platform.RamBase;
        ulong loaded = 0;
        try
        {
            while (true)
            {
                int n = ram.ReadAtLeast(page, page.Length, throwOnEndOfStream: false);
                if (n == 0) break;
                if (loaded + (ulong)n > _platform.RamSize && loaded + (ulong)n > 0x1000_0000_0000UL)
                {
                    throw new QemuLogFormatException(name, 0, "RAM image is larger than 16 TiB");
                }
                if (page.AsSpan(0, n).ContainsAnyExcept((byte)0))
                {
                    _writer.Append(new MemoryWriteRecord(0, pa, MemoryStructure.Other, page.AsSpan(0, n)));
                    _stats.RamPages++;
                }
                pa += (ulong)n;
                loaded += (ulong)n;
                if (n < page.Length) break;
            }
        }
        catch (InvalidDataException e)
        {
            throw new QemuLogFormatException(name, 0, "cannot read the RAM image: " + e.Message, e);
        }
    }

    // ------------------------------------------------------------------ line loop

    private void Run(TextReader log)
    {
        string? line;
        try
        {
            while ((line = log.ReadLine()) is not null)
            {
                _lineNo++;
                _stats.Lines++;
                if (!QemuLogLine.TryParse(line, out var ev))
                {
                    OtherLine(line);
                    continue;
                }
                _event = ev.Name;
                Advance(ev);
                Dispatch(ev.Name, ev.Body);
            }
        }
        catch (InvalidDataException e)
        {
            throw new QemuLogFormatException(_file, _lineNo, "cannot read the log: " + e.Message, e);
        }
        FinishMsi();
        FinishFault(recorded: false, sid: null);
        FlushSmmuCommands();
        FlushItsCommands();
    }

    private void Advance(in QemuLogLine ev)
    {
        ulong t;
        if (ev.HasTime)
        {
            if (_firstMicros < 0) _firstMicros = ev.TimeMicroseconds;
            long d = ev.TimeMicroseconds - _firstMicros;
            t = d <= 0 ? 0 : (ulong)d * 1_000_000UL; // microseconds → picoseconds
        }
        else
        {
            t = (ulong)_lineNo * 1000; // no timestamps: one nanosecond per line keeps the order and the spacing
        }
        if (t > _time) _time = t;
    }

    private void OtherLine(string line)
    {
        // LOG_GUEST_ERROR from smmuv3_translate(): "<region> translation failed for iova=0x... (<event>)".
        int i = line.IndexOf(" translation failed for iova=", StringComparison.Ordinal);
        if (i > 0)
        {
            FinishMsi();
            FinishFault(recorded: false, sid: null);
            string region = line[..i];
            int colon = region.LastIndexOf(':');
            if (colon >= 0) region = region[(colon + 1)..];
            if (!QemuLogLine.TryField(line[(i + 1)..], "iova=", out ulong iova)) Malformed("iova");
            int open = line.IndexOf('(', i);
            byte type = open > 0 ? EventType(line[(open + 1)..].TrimEnd(')', ' ', '\r')) : (byte)SmmuEventType.FTranslation;
            _fault = new PendingFault(_time, iova, region.Trim(), type);
            return;
        }
        _stats.OtherLines++;
    }

    private void Dispatch(string name, string body)
    {
        // An MSI's outcome is the dte/ite/cte read lines right after it; a guest-error fault waits for its event line.
        if (_msi is not null && !name.StartsWith("gicv3_its_dte_read", StringComparison.Ordinal) &&
            !name.StartsWith("gicv3_its_ite_read", StringComparison.Ordinal) && !name.StartsWith("gicv3_its_cte_read", StringComparison.Ordinal))
        {
            FinishMsi();
        }
        if (_fault is not null && name is not ("smmuv3_record_event" or "smmuv3_propagate_event"))
        {
            FinishFault(recorded: false, sid: null);
        }
        switch (name)
        {
            case "smmuv3_write_mmio": SmmuWrite(body); break;
            case "smmuv3_cmdq_consume": SmmuConsume(body); break;
            case "smmuv3_cmdq_opcode": SmmuOpcode(body); break;
            case "smmuv3_cmdq_consume_error": SmmuCommandError(body); break;
            case "smmuv3_cmdq_cfgi_ste": SmmuOperand(c => c.Dw0 |= (ulong)Field(body, "streamid=") << 32); break;
            case "smmuv3_cmdq_cfgi_ste_range": SmmuCfgiRange(body); break;
            case "smmuv3_cmdq_cfgi_cd": SmmuOperand(c => c.Dw0 |= (ulong)Field(body, "sid=") << 32); break;
            case "smmuv3_cmdq_tlbi_nh_asid": SmmuOperand(c => c.Dw0 |= (Field(body, "asid=") & 0xffff) << 48); break;
            case "smmuv3_cmdq_tlbi_nh":
            case "smmuv3_cmdq_tlbi_s12_vmid":
                if (QemuLogLine.TryField(body, "vmid=", out ulong vmid)) SmmuOperand(c => c.Dw0 |= (vmid & 0xffff) << 32);
                else _stats.Used(name);
                break;
            case "smmuv3_s1_range_inval":
            case "smmuv3_range_inval": SmmuRangeInval(body); break;
            case "smmu_get_pte": Pte(Field(body, "pteaddr="), Field(body, "pte=")); break;
            case "smmu_ptw_page_pte":
            case "smmu_ptw_block_pte":
            case "smmu_ptw_invalid_pte": Pte(Field(body, "pte@="), Field(body, "pte=")); break;
            case "smmu_ptw_level": _lastWalkIova = Field(body, "iova="); _stats.Used(name); break;
            case "smmu_iotlb_lookup_miss":
            case "smmu_iotlb_cache_miss": _lastWalkIova = Field(body, "addr="); _stats.Used(name); break;
            case "smmu_iotlb_lookup_hit":
            case "smmu_iotlb_cache_hit": _iotlbHit = true; _stats.Used(name); break;
            case "smmuv3_config_cache_miss": _configMiss = true; _stats.Used(name); break;
            case "smmuv3_translate_success": TranslateSuccess(body); break;
            case "smmuv3_translate_disable": TranslateBypass(body, TranslationSource.GlobalBypass); break;
            case "smmuv3_translate_bypass": TranslateBypass(body, TranslationSource.StreamBypass); break;
            case "smmuv3_translate_abort": TranslateAbort(body); break;
            case "smmuv3_record_event":
            case "smmuv3_propagate_event": RecordEvent(body); break;
            case "gicv3_its_write": ItsWrite(body); break;
            case "gicv3_its_process_command": ItsProcess(body); break;
            case "gicv3_its_cmd_mapd": ItsOperand(() => ItsCommand.Mapd(Id(body, "DeviceID "), (int)Field(body, "Size "), Field(body, "ITT_addr ") << 8, Field(body, "V ") != 0)); break;
            case "gicv3_its_cmd_mapc": ItsOperand(() => ItsCommand.Mapc((ushort)Field(body, "ICID "), Field(body, "RDbase "), Field(body, "V ") != 0)); break;
            case "gicv3_its_cmd_mapi": ItsOperand(() => ItsCommand.Mapi(Id(body, "DeviceID "), Id(body, "EventID "), (ushort)Field(body, "ICID "))); break;
            case "gicv3_its_cmd_mapti": ItsOperand(() => ItsCommand.Mapti(Id(body, "DeviceID "), Id(body, "EventID "), Id(body, "pINTID "), (ushort)Field(body, "ICID "))); break;
            case "gicv3_its_cmd_int": ItsOperand(() => ItsCommand.Int(Id(body, "DeviceID "), Id(body, "EventID "))); break;
            case "gicv3_its_cmd_clear": ItsOperand(() => ItsCommand.Clear(Id(body, "DeviceID "), Id(body, "EventID "))); break;
            case "gicv3_its_cmd_discard": ItsOperand(() => ItsCommand.Discard(Id(body, "DeviceID "), Id(body, "EventID "))); break;
            case "gicv3_its_cmd_inv":
                // Older QEMU had one operand-less "command INV or INVALL" event: keep the opcode-only command then.
                if (body.Contains("DeviceID ", StringComparison.Ordinal)) ItsOperand(() => ItsCommand.Inv(Id(body, "DeviceID "), Id(body, "EventID ")));
                else _stats.Used(name);
                break;
            case "gicv3_its_cmd_movi": ItsOperand(() => ItsCommand.Movi(Id(body, "DeviceID "), Id(body, "EventID "), (ushort)Field(body, "ICID "))); break;
            case "gicv3_its_cmd_movall": ItsOperand(() => ItsCommand.Movall(Field(body, "RDbase1 "), Field(body, "RDbase2 "))); break;
            case "gicv3_its_cmd_sync":
            case "gicv3_its_cmd_invall":
            case "gicv3_its_cmd_unknown": _stats.Used(name); break;
            case "gicv3_its_translation_write": ItsTranslationWrite(body); break;
            case "gicv3_its_dte_read": MsiTable(m => { m.DteValid = Field(body, "valid ") != 0; }); break;
            case "gicv3_its_ite_read": MsiTable(m => { m.IteValid = Field(body, "valid ") != 0 && Field(body, "inttype ") != 0; m.IntId = Id(body, "intid "); }); break;
            case "gicv3_its_cte_read": MsiTable(m => { m.CteValid = Field(body, "valid ") != 0; m.Cpu = Id(body, "RDBase "); }); break;
            case "gicv3_its_dte_read_fault":
            case "gicv3_its_ite_read_fault":
            case "gicv3_its_cte_read_fault": MsiTable(m => m.Fault = true); break;
            case "gicv3_dist_write": GicWrite(body, GicdComponent, _platform.GicdBase); break;
            case "gicv3_redist_write":
                GicWrite(body, GicrComponent, _platform.GicrBase + Field(body, "redistributor ") * GicConfig.RedistributorStride);
                break;
            case "smmu_add_mr":
                _stats.Used(name);
                break;
            default:
                _stats.Ignored(name);
                break;
        }
    }

    // ------------------------------------------------------------------ helpers

    private ulong Field(string body, string key)
    {
        if (!QemuLogLine.TryField(body, key, out ulong v)) Malformed(key.Trim(' ', '='));
        return v;
    }

    private uint Id(string body, string key)
    {
        ulong v = Field(body, key);
        if (v > uint.MaxValue) Malformed(key.Trim(' ', '='));
        return (uint)v;
    }

    /// <summary>A 64-bit register after a write of <paramref name="size"/> bytes at byte <paramref name="at"/> of it.</summary>
    private static ulong Merge(ulong old, ulong at, int size, ulong value)
    {
        if (size >= 8 || at >= 8) return size >= 8 ? value : old;
        int shift = (int)at * 8, bits = size * 8;
        ulong mask = (bits >= 64 ? ulong.MaxValue : (1UL << bits) - 1) << shift;
        return (old & ~mask) | ((value << shift) & mask);
    }

    private void Malformed(string field) =>
        throw new QemuLogFormatException(_file, _lineNo, $"event {_event}: expected a number for \"{field}\"");

    private static byte EventType(string name)
    {
        string n = name.StartsWith("SMMU_EVT_", StringComparison.Ordinal) ? name[9..] : name;
        return n switch
        {
            "F_UUT" => 0x01, "C_BAD_STREAMID" => 0x02, "F_STE_FETCH" => 0x03, "C_BAD_STE" => 0x04, "F_BAD_ATS_TREQ" => 0x05,
            "F_STREAM_DISABLED" => 0x06, "F_TRANS_FORBIDDEN" or "F_TRANSL_FORBIDDEN" => 0x07, "C_BAD_SUBSTREAMID" => 0x08,
            "F_CD_FETCH" => 0x09, "C_BAD_CD" => 0x0a, "F_WALK_EABT" => 0x0b, "F_TRANSLATION" => 0x10, "F_ADDR_SIZE" => 0x11,
            "F_ACCESS" => 0x12, "F_PERMISSION" => 0x13, "F_TLB_CONFLICT" => 0x20, "F_CFG_CONFLICT" => 0x21, "E_PAGE_REQ" => 0x24,
            _ => 0,
        };
    }

    // ------------------------------------------------------------------ SMMU registers and commands

    private void SmmuWrite(string body)
    {
        _stats.Used("smmuv3_write_mmio");
        ulong offset = Field(body, "addr:"), value = Field(body, "val:"), size = Field(body, "size:");
        if (size is not (1 or 2 or 4 or 8)) Malformed("size");
        // Commands consumed by this write were traced before it: place them in the queue first.
        FlushSmmuCommands(afterWrite: false);
        _writer.Append(new RegisterWriteRecord(_time, SmmuComponent, _platform.SmmuBase + offset, (byte)size, value));
        _stats.RegisterWrites++;
        // SMMU_CMDQ_BASE (ADDR[51:5], LOG2SIZE[4:0]), written whole or as two 32-bit halves.
        if (offset is 0x90 or 0x94)
        {
            _cmdqBaseRaw = Merge(_cmdqBaseRaw, offset - 0x90, (int)size, value);
            _cmdqBase = _cmdqBaseRaw & 0x000F_FFFF_FFFF_FFE0UL;
            _cmdqLog2 = (int)(_cmdqBaseRaw & 0x1f);
        }
        FlushSmmuCommandRecords();
    }

    private uint _consumeIndex;
    private readonly List<PendingSmmuCommand> _consumed = new();

    private void SmmuConsume(string body)
    {
        _stats.Used("smmuv3_cmdq_consume");
        _consumeIndex = (uint)Field(body, "cons=");
    }

    private void SmmuOpcode(string body)
    {
        _stats.Used("smmuv3_cmdq_opcode");
        string name = body.Replace("<---", "", StringComparison.Ordinal).Trim();
        if (name.StartsWith("SMMU_CMD_", StringComparison.Ordinal)) name = name[9..];
        CmdqOpcode? op = name switch
        {
            "PREFETCH_CONFIG" => CmdqOpcode.PrefetchConfig, "PREFETCH_ADDR" => CmdqOpcode.PrefetchAddr,
            "CFGI_STE" => CmdqOpcode.CfgiSte, "CFGI_STE_RANGE" or "CFGI_ALL" => CmdqOpcode.CfgiSteRange,
            "CFGI_CD" => CmdqOpcode.CfgiCd, "CFGI_CD_ALL" => CmdqOpcode.CfgiCdAll,
            "TLBI_NH_ALL" => CmdqOpcode.TlbiNhAll, "TLBI_NH_ASID" => CmdqOpcode.TlbiNhAsid, "TLBI_NH_VA" => CmdqOpcode.TlbiNhVa,
            "TLBI_NH_VAA" => CmdqOpcode.TlbiNhVaa, "TLBI_EL3_ALL" => CmdqOpcode.TlbiEl3All, "TLBI_EL3_VA" => CmdqOpcode.TlbiEl3Va,
            "TLBI_EL2_ALL" => CmdqOpcode.TlbiEl2All, "TLBI_EL2_ASID" => CmdqOpcode.TlbiEl2Asid, "TLBI_EL2_VA" => CmdqOpcode.TlbiEl2Va,
            "TLBI_EL2_VAA" => CmdqOpcode.TlbiEl2Vaa, "TLBI_S12_VMALL" => CmdqOpcode.TlbiS12Vmall, "TLBI_S2_IPA" => CmdqOpcode.TlbiS2Ipa,
            "TLBI_NSNH_ALL" => CmdqOpcode.TlbiNsnhAll, "ATC_INV" => CmdqOpcode.AtcInv, "PRI_RESP" => CmdqOpcode.PriResp,
            "RESUME" => CmdqOpcode.Resume, "STALL_TERM" => CmdqOpcode.StallTerm, "SYNC" => CmdqOpcode.Sync,
            _ => null,
        };
        if (op is null)
        {
            throw new QemuLogFormatException(_file, _lineNo, $"event smmuv3_cmdq_opcode: unknown command name \"{body.Trim()}\"");
        }
        var c = new PendingSmmuCommand { Index = _consumeIndex, Opcode = op.Value, Dw0 = (byte)op.Value };
        if (op == CmdqOpcode.CfgiSteRange && name == "CFGI_ALL") c.Dw1 = 31;
        if (op is CmdqOpcode.CfgiSte or CmdqOpcode.CfgiCd) c.Dw1 = 1; // Linux sets Leaf on single-STE/CD invalidations
        _smmuCommands.Add(c);
        _stats.SmmuCommands++;
    }

    private void SmmuOperand(Action<PendingSmmuCommand> set)
    {
        _stats.Used(_event);
        if (_smmuCommands.Count == 0)
        {
            throw new QemuLogFormatException(_file, _lineNo, $"event {_event}: operands without a preceding smmuv3_cmdq_opcode line");
        }
        set(_smmuCommands[^1]);
    }

    private void SmmuCommandError(string body)
    {
        _stats.Used(_event);
        int colon = body.LastIndexOf(':');
        if (_smmuCommands.Count > 0 && colon >= 0 && QemuLogLine.TryNumber(body.AsSpan(colon + 1), out ulong err))
        {
            _smmuCommands[^1].Error = (byte)err;
        }
    }

    private void SmmuCfgiRange(string body)
    {
        ulong start = Field(body, "start="), end = Field(body, "end=");
        // CFGI_STE_RANGE invalidates 2^(Range+1) StreamIDs from SID aligned down (IHI 0070 §4.3.2).
        ulong span = end >= start ? end - start + 1 : 1;
        int range = Math.Clamp(63 - System.Numerics.BitOperations.LeadingZeroCount(span) - 1, 0, 31);
        SmmuOperand(c => { c.Dw0 |= (start & 0xffff_ffff) << 32; c.Dw1 = (ulong)range; });
    }

    private void SmmuRangeInval(string body)
    {
        ulong vmid = Field(body, "vmid="), asid = Field(body, "asid="), addr = Field(body, "addr=");
        int tg = (int)Field(body, "tg=");
        ulong pages = Field(body, "num_pages=");
        int ttl = (int)Field(body, "ttl=");
        bool leaf = Field(body, "leaf=") != 0;
        SmmuOperand(c =>
        {
            // QEMU splits a range command into power-of-two chunks, one trace line each: the first gives the start.
            if (!c.HasRange)
            {
                c.HasRange = true;
                c.Tg = tg;
                c.Dw0 |= (vmid & 0xffff) << 32 | (c.Opcode == CmdqOpcode.TlbiNhVaa ? 0 : (asid & 0xffff) << 48);
                c.Dw1 = (leaf ? 1UL : 0) | (ulong)(ttl & 3) << 8 | (ulong)(tg & 3) << 10 |
                        (c.Opcode == CmdqOpcode.TlbiS2Ipa ? addr & 0x000f_ffff_ffff_f000UL : addr & ~0xfffUL);
            }
            c.Pages += pages;
        });
    }

    private void FlushSmmuCommands(bool afterWrite = false)
    {
        _ = afterWrite;
        foreach (var c in _smmuCommands)
        {
            if (c.HasRange && c.Tg != 0)
            {
                // Pages = (NUM + 1) << SCALE (IHI 0070 §4.4.1): the smallest SCALE with NUM <= 31.
                ulong p = Math.Max(c.Pages, 1);
                int scale = 0;
                while (scale < 31 && ((p >> scale) > 32 || ((p >> scale) << scale) != p)) scale++;
                ulong num = Math.Clamp((p >> scale) - 1, 0, 31);
                c.Dw0 |= num << 12 | (ulong)scale << 20;
            }
            if (_cmdqBase != 0)
            {
                uint slot = c.Index & (uint)((1UL << Math.Min(_cmdqLog2, 19)) - 1);
                BinaryPrimitives.WriteUInt64LittleEndian(_buf, c.Dw0);
                BinaryPrimitives.WriteUInt64LittleEndian(_buf.AsSpan(8), c.Dw1);
                _writer.Append(new MemoryWriteRecord(_time, _cmdqBase + (ulong)slot * CmdqCommand.Size, MemoryStructure.SmmuCommandQueue, _buf.AsSpan(0, 16)));
            }
            _consumed.Add(c);
        }
        _smmuCommands.Clear();
    }

    private void FlushSmmuCommandRecords()
    {
        foreach (var c in _consumed)
        {
            _writer.Append(new SmmuCommandRecord(_time, 0, c.Index, (byte)c.Opcode, c.Error, c.Dw0, c.Dw1));
        }
        _consumed.Clear();
    }

    // ------------------------------------------------------------------ translations

    private void Pte(ulong address, ulong value)
    {
        _stats.Used(_event);
        if (_event == "smmu_get_pte") _walkReads++; // the ptw_*_pte lines repeat a value get_pte already traced
        if (_pte.TryGetValue(address, out ulong old) && old == value) return;
        _pte[address] = value;
        BinaryPrimitives.WriteUInt64LittleEndian(_buf, value);
        _writer.Append(new MemoryWriteRecord(_time, address, MemoryStructure.TranslationTable, _buf.AsSpan(0, 8)));
        _stats.PteWrites++;
    }

    private uint Sid(string body)
    {
        ulong sid = Field(body, "sid=");
        if (sid > uint.MaxValue) Malformed("sid");
        int space = body.IndexOf(' ');
        if (space > 0) _regionSid[body[..space]] = (uint)sid;
        return (uint)sid;
    }

    private void TranslateSuccess(string body)
    {
        _stats.Used(_event);
        uint sid = Sid(body);
        ulong iova = Field(body, "iova="), pa = Field(body, "translated="), perm = Field(body, "perm=");
        var perms = ((perm & 1) != 0 ? AccessPermissions.Read : 0) | ((perm & 2) != 0 ? AccessPermissions.Write : 0);
        var source = _iotlbHit && _walkReads == 0 ? TranslationSource.Iotlb
            : _configMiss ? TranslationSource.WalkWithConfigFetch : TranslationSource.Walk;
        // QEMU 7.2 does not trace the access direction: an MSI doorbell is a write, otherwise the entry's permission decides.
        bool write = IsDoorbell(pa) || (perm & 1) == 0;
        ulong txn = Issue(sid, iova, write);
        _writer.Append(new TranslationRecord(_time, txn, sid, 0, false, iova, pa, perms, 0, source, (byte)Math.Min(_walkReads, 255)));
        EndTranslation();
    }

    private bool IsDoorbell(ulong pa) => pa >= _platform.ItsBase && pa < _platform.ItsBase + GicV3Its.FrameSize;

    private void TranslateBypass(string body, TranslationSource source)
    {
        _stats.Used(_event);
        uint sid = Sid(body);
        ulong iova = Field(body, "iova:");
        bool write = Field(body, "is_write=") != 0;
        ulong txn = Issue(sid, iova, write);
        _writer.Append(new TranslationRecord(_time, txn, sid, 0, false, iova, iova, AccessPermissions.Read | AccessPermissions.Write, 0, source, 0));
        EndTranslation();
    }

    private void TranslateAbort(string body)
    {
        _stats.Used(_event);
        uint sid = Sid(body);
        ulong iova = Field(body, "iova:");
        bool write = Field(body, "is_write=") != 0;
        ulong txn = Issue(sid, iova, write);
        _writer.Append(new TranslationFaultRecord(_time, txn, sid, 0, false, iova, 0, FaultAction.TerminatedSilently, 0, false, 0, 0, 0, 0));
        _stats.Faults++;
        EndTranslation();
    }

    private void RecordEvent(string body)
    {
        _stats.Used(_event);
        int space = body.IndexOf(' ');
        byte type = EventType(space > 0 ? body[..space] : body);
        uint sid = Id(body, "sid=");
        if (_fault is null)
        {
            // No guest-error line (QEMU ran without -d guest_errors): the walk's last IOVA is the best known input.
            _fault = new PendingFault(_time, _lastWalkIova, "", type);
        }
        FinishFault(recorded: true, sid: sid);
    }

    private void FinishFault(bool recorded, uint? sid)
    {
        if (_fault is not { } f) return;
        _fault = null;
        uint s = sid ?? (_regionSid.TryGetValue(f.Region, out uint known) ? known : RegionDevfn(f.Region));
        // QEMU checks only write permission, so a permission fault was a write.
        ulong txn = Issue(s, f.Iova, write: f.EventType == (byte)SmmuEventType.FPermission);
        var action = FaultAction.Terminated;
        _writer.Append(new TranslationFaultRecord(_time, txn, s, 0, false, f.Iova, f.EventType, action, 0, recorded, 0, 0, 0, 0));
        _stats.Faults++;
        EndTranslation();
    }

    private static uint RegionDevfn(string region)
    {
        // smmuv3-iommu-memory-region-<devfn>-<index>: with bus 0 the StreamID is the devfn.
        string[] parts = region.Split('-');
        return parts.Length >= 2 && uint.TryParse(parts[^2], out uint devfn) ? devfn : 0;
    }

    private ulong Issue(uint sid, ulong iova, bool write)
    {
        ulong txn = ++_txn;
        _writer.Append(new DmaIssuedRecord(_time, txn, (ushort)sid, sid, 0, false, iova, 4,
            write ? DmaDirection.Write : DmaDirection.Read, DmaAttributes.NonSecure | DmaAttributes.Privileged));
        _stats.Translations++;
        return txn;
    }

    private void EndTranslation()
    {
        _walkReads = 0;
        _configMiss = false;
        _iotlbHit = false;
    }

    // ------------------------------------------------------------------ ITS

    private void ItsWrite(string body)
    {
        _stats.Used(_event);
        ulong offset = Field(body, "offset "), value = Field(body, "data "), size = Field(body, "size ");
        if (size is not (1 or 2 or 4 or 8)) Malformed("size");
        FlushItsCommands();
        _writer.Append(new RegisterWriteRecord(_time, ItsComponent, _platform.ItsBase + offset, (byte)size, value));
        _stats.RegisterWrites++;
        if (offset is 0x80 or 0x84)
        {
            // GITS_CBASER.Physical_Address[51:12], written whole or as two 32-bit halves.
            _itsCbaseRaw = Merge(_itsCbaseRaw, offset - 0x80, (int)size, value);
            _itsCbase = _itsCbaseRaw & 0x000F_FFFF_FFFF_F000UL;
        }
        FlushItsCommandRecords();
    }

    private readonly List<PendingItsCommand> _itsConsumed = new();

    private void ItsProcess(string body)
    {
        _stats.Used(_event);
        uint offset = Id(body, "offset ");
        int colon = body.LastIndexOf(':');
        if (colon < 0 || !QemuLogLine.TryNumber(body.AsSpan(colon + 1), out ulong opcode) || opcode > 0xff) Malformed("command");
        QemuLogLine.TryNumber(body.AsSpan(colon + 1), out opcode);
        _itsCommands.Add(new PendingItsCommand { Offset = offset, Opcode = (byte)opcode, Command = new ItsCommand((byte)opcode, 0, 0, 0) });
        _stats.ItsCommands++;
    }

    private void ItsOperand(Func<ItsCommand> build)
    {
        _stats.Used(_event);
        if (_itsCommands.Count == 0)
        {
            throw new QemuLogFormatException(_file, _lineNo, $"event {_event}: operands without a preceding gicv3_its_process_command line");
        }
        var c = _itsCommands[^1];
        var built = build();
        c.Command = built with { Dw0 = (built.Dw0 & ~0xffUL) | c.Opcode };
    }

    private void FlushItsCommands()
    {
        foreach (var c in _itsCommands)
        {
            if (_itsCbase != 0)
            {
                c.Command.Write(_buf);
                _writer.Append(new MemoryWriteRecord(_time, _itsCbase + (ulong)c.Offset * ItsCommand.Size, MemoryStructure.ItsCommandQueue, _buf));
            }
            _itsConsumed.Add(c);
        }
        _itsCommands.Clear();
    }

    private void FlushItsCommandRecords()
    {
        foreach (var c in _itsConsumed)
        {
            var k = c.Command;
            // DeviceID/EventID operands exist only for the commands that name an interrupt (IHI 0069 §6.3).
            bool device = c.Opcode is 0x01 or 0x03 or 0x04 or 0x08 or 0x0a or 0x0b or 0x0c or 0x0f;
            bool evt = device && c.Opcode != 0x08;
            _writer.Append(new Format.ItsCommandRecord(_time, 0, c.Offset, c.Opcode, 0, device ? k.DeviceId : 0, evt ? k.EventId : 0, k.Dw0, k.Dw1, k.Dw2, k.Dw3));
        }
        _itsConsumed.Clear();
    }

    private void ItsTranslationWrite(string body)
    {
        _stats.Used(_event);
        ulong offset = Field(body, "offset ");
        uint data = (uint)Field(body, "data ");
        uint rid = Id(body, "requester_id ");
        if (offset != 0x40) return; // only GITS_TRANSLATER translates
        _msi = new PendingMsi { Time = _time, DeviceId = rid, EventId = data };
    }

    private void MsiTable(Action<PendingMsi> set)
    {
        _stats.Used(_event);
        if (_msi is not null) set(_msi); // reads made by commands (MAPTI, INV...) are not MSI outcomes
    }

    private void FinishMsi()
    {
        if (_msi is not { } m) return;
        _msi = null;
        _writer.Append(new MsiWriteRecord(m.Time, (ushort)m.DeviceId, m.DeviceId, _platform.ItsTranslater, m.EventId));
        _stats.Msis++;
        if (m.DteValid && m.IteValid && m.CteValid && !m.Fault)
        {
            _writer.Append(new InterruptDeliveredRecord(m.Time, m.IntId, m.Cpu, InterruptSource.Its, m.DeviceId, m.EventId));
            _stats.MsisWithExpectation++;
        }
        else if (m.Fault || (m.DteValid ? !m.IteValid || !m.CteValid : true))
        {
            _stats.MsisWithExpectation++; // an explicit drop: no InterruptDelivered record follows
        }
    }

    // ------------------------------------------------------------------ GIC

    private void GicWrite(string body, ushort component, ulong frame)
    {
        _stats.Used(_event);
        ulong offset = Field(body, "offset "), value = Field(body, "data "), size = Field(body, "size ");
        if (size is not (1 or 2 or 4 or 8)) Malformed("size");
        _writer.Append(new RegisterWriteRecord(_time, component, frame + offset, (byte)size, value));
        _stats.RegisterWrites++;
    }
}
