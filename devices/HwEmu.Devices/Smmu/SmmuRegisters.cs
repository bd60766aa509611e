using System.Text;

namespace HwEmu.Devices.Smmu;

/// <summary>Registers of the SMMU programming interface (non-secure bank, IHI 0070 §6.3).</summary>
public enum SmmuRegister
{
    /// <summary>SMMU_IDR0.</summary>
    Idr0,
    /// <summary>SMMU_IDR1.</summary>
    Idr1,
    /// <summary>SMMU_IDR2.</summary>
    Idr2,
    /// <summary>SMMU_IDR3.</summary>
    Idr3,
    /// <summary>SMMU_IDR4.</summary>
    Idr4,
    /// <summary>SMMU_IDR5.</summary>
    Idr5,
    /// <summary>SMMU_IIDR.</summary>
    Iidr,
    /// <summary>SMMU_AIDR.</summary>
    Aidr,
    /// <summary>SMMU_CR0.</summary>
    Cr0,
    /// <summary>SMMU_CR0ACK.</summary>
    Cr0Ack,
    /// <summary>SMMU_CR1.</summary>
    Cr1,
    /// <summary>SMMU_CR2.</summary>
    Cr2,
    /// <summary>SMMU_STATUSR.</summary>
    Statusr,
    /// <summary>SMMU_GBPA.</summary>
    Gbpa,
    /// <summary>SMMU_AGBPA.</summary>
    Agbpa,
    /// <summary>SMMU_IRQ_CTRL.</summary>
    IrqCtrl,
    /// <summary>SMMU_IRQ_CTRLACK.</summary>
    IrqCtrlAck,
    /// <summary>SMMU_GERROR.</summary>
    Gerror,
    /// <summary>SMMU_GERRORN.</summary>
    Gerrorn,
    /// <summary>SMMU_GERROR_IRQ_CFG0.</summary>
    GerrorIrqCfg0,
    /// <summary>SMMU_GERROR_IRQ_CFG1.</summary>
    GerrorIrqCfg1,
    /// <summary>SMMU_GERROR_IRQ_CFG2.</summary>
    GerrorIrqCfg2,
    /// <summary>SMMU_STRTAB_BASE.</summary>
    StrtabBase,
    /// <summary>SMMU_STRTAB_BASE_CFG.</summary>
    StrtabBaseCfg,
    /// <summary>SMMU_CMDQ_BASE.</summary>
    CmdqBase,
    /// <summary>SMMU_CMDQ_PROD.</summary>
    CmdqProd,
    /// <summary>SMMU_CMDQ_CONS.</summary>
    CmdqCons,
    /// <summary>SMMU_EVENTQ_BASE.</summary>
    EventqBase,
    /// <summary>SMMU_EVENTQ_PROD (page 1).</summary>
    EventqProd,
    /// <summary>SMMU_EVENTQ_CONS (page 1).</summary>
    EventqCons,
    /// <summary>SMMU_EVENTQ_IRQ_CFG0.</summary>
    EventqIrqCfg0,
    /// <summary>SMMU_EVENTQ_IRQ_CFG1.</summary>
    EventqIrqCfg1,
    /// <summary>SMMU_EVENTQ_IRQ_CFG2.</summary>
    EventqIrqCfg2,
}

/// <summary>How software may write a register.</summary>
public enum RegisterAccess : byte
{
    /// <summary>Read-only (writes ignored).</summary>
    ReadOnly,
    /// <summary>Read/write through the write mask.</summary>
    ReadWrite,
    /// <summary>Writable only while SMMU_CR0.SMMUEN = 0 (stream table base registers).</summary>
    WriteWhenSmmuDisabled,
    /// <summary>Writable only while SMMU_CR0.CMDQEN = 0 (CMDQ_BASE, CMDQ_CONS).</summary>
    WriteWhenCmdqDisabled,
    /// <summary>Writable only while SMMU_CR0.EVENTQEN = 0 (EVENTQ_BASE, EVENTQ_PROD).</summary>
    WriteWhenEventqDisabled,
    /// <summary>Write handled by the device (GBPA: only writes with Update = 1 take effect).</summary>
    Custom,
}

/// <summary>One register declaration.</summary>
/// <param name="Id">Register.</param>
/// <param name="Offset">Offset in the 128 KiB window (page 1 at 0x10000).</param>
/// <param name="Width">Width in bytes (4 or 8).</param>
/// <param name="Reset">Value after reset.</param>
/// <param name="Name">Spec name.</param>
/// <param name="Access">Write behaviour.</param>
/// <param name="WriteMask">Bits software may change.</param>
public readonly record struct SmmuRegisterDef(SmmuRegister Id, uint Offset, int Width, ulong Reset, string Name, RegisterAccess Access, ulong WriteMask);

/// <summary>
/// The SMMU register file, declared once as a table (<see cref="Definitions"/>): reads and writes dispatch through
/// an offset map built from it and the dump uses its names. Side effects are applied by <see cref="SmmuV3"/>.
/// </summary>
public sealed class SmmuRegisters
{
    /// <summary>Size of the register window: two 64 KiB pages.</summary>
    public const ulong WindowSize = 0x20000;

    private readonly ulong[] _values;
    private readonly int[] _map = new int[2 * 0x400]; // (page, offset/4) -> definition index + 1, offsets below 0x1000
    private readonly byte[] _half = new byte[2 * 0x400];

    /// <summary>Builds the register file for <paramref name="config"/>.</summary>
    public SmmuRegisters(SmmuConfig config)
    {
        const ulong Addr52 = 0x000f_ffff_ffff_fffcUL;
        Definitions =
        [
            new(SmmuRegister.Idr0, 0x00, 4, config.Idr0, "SMMU_IDR0", RegisterAccess.ReadOnly, 0),
            new(SmmuRegister.Idr1, 0x04, 4, config.Idr1, "SMMU_IDR1", RegisterAccess.ReadOnly, 0),
            new(SmmuRegister.Idr2, 0x08, 4, config.Idr2, "SMMU_IDR2", RegisterAccess.ReadOnly, 0),
            new(SmmuRegister.Idr3, 0x0c, 4, config.Idr3, "SMMU_IDR3", RegisterAccess.ReadOnly, 0),
            new(SmmuRegister.Idr4, 0x10, 4, config.Idr4, "SMMU_IDR4", RegisterAccess.ReadOnly, 0),
            new(SmmuRegister.Idr5, 0x14, 4, config.Idr5, "SMMU_IDR5", RegisterAccess.ReadOnly, 0),
            new(SmmuRegister.Iidr, 0x18, 4, config.Iidr, "SMMU_IIDR", RegisterAccess.ReadOnly, 0),
            new(SmmuRegister.Aidr, 0x1c, 4, config.Aidr, "SMMU_AIDR", RegisterAccess.ReadOnly, 0),
            // CR0: SMMUEN[0] EVENTQEN[2] CMDQEN[3] ATSCHK[4] VMW[8:6]; PRIQEN is RES0 (no PRI).
            new(SmmuRegister.Cr0, 0x20, 4, 0, "SMMU_CR0", RegisterAccess.ReadWrite, 0x1dd),
            new(SmmuRegister.Cr0Ack, 0x24, 4, 0, "SMMU_CR0ACK", RegisterAccess.ReadOnly, 0),
            new(SmmuRegister.Cr1, 0x28, 4, 0, "SMMU_CR1", RegisterAccess.ReadWrite, 0xfff),
            new(SmmuRegister.Cr2, 0x2c, 4, 0, "SMMU_CR2", RegisterAccess.ReadWrite, 0x7),
            new(SmmuRegister.Statusr, 0x40, 4, 0, "SMMU_STATUSR", RegisterAccess.ReadOnly, 0),
            new(SmmuRegister.Gbpa, 0x44, 4, config.GbpaAbortAtReset ? 0x0010_1000UL : 0x1000UL, "SMMU_GBPA", RegisterAccess.Custom, 0x0f13_3fff),
            new(SmmuRegister.Agbpa, 0x48, 4, 0, "SMMU_AGBPA", RegisterAccess.ReadOnly, 0),
            // IRQ_CTRL: GERROR_IRQEN[0] EVENTQ_IRQEN[2]; PRIQ_IRQEN RES0.
            new(SmmuRegister.IrqCtrl, 0x50, 4, 0, "SMMU_IRQ_CTRL", RegisterAccess.ReadWrite, 0x5),
            new(SmmuRegister.IrqCtrlAck, 0x54, 4, 0, "SMMU_IRQ_CTRLACK", RegisterAccess.ReadOnly, 0),
            new(SmmuRegister.Gerror, 0x60, 4, 0, "SMMU_GERROR", RegisterAccess.ReadOnly, 0),
            new(SmmuRegister.Gerrorn, 0x64, 4, 0, "SMMU_GERRORN", RegisterAccess.ReadWrite, 0x1fd),
            new(SmmuRegister.GerrorIrqCfg0, 0x68, 8, 0, "SMMU_GERROR_IRQ_CFG0", RegisterAccess.ReadWrite, Addr52),
            new(SmmuRegister.GerrorIrqCfg1, 0x70, 4, 0, "SMMU_GERROR_IRQ_CFG1", RegisterAccess.ReadWrite, 0xffff_ffff),
            new(SmmuRegister.GerrorIrqCfg2, 0x74, 4, 0, "SMMU_GERROR_IRQ_CFG2", RegisterAccess.ReadWrite, 0x3f),
            // STRTAB_BASE: RA[62] ADDR[51:6]; STRTAB_BASE_CFG: FMT[17:16] SPLIT[10:6] LOG2SIZE[5:0].
            new(SmmuRegister.StrtabBase, 0x80, 8, 0, "SMMU_STRTAB_BASE", RegisterAccess.WriteWhenSmmuDisabled, 0x400f_ffff_ffff_ffc0UL),
            new(SmmuRegister.StrtabBaseCfg, 0x88, 4, 0, "SMMU_STRTAB_BASE_CFG", RegisterAccess.WriteWhenSmmuDisabled, 0x3_07ff),
            // Queue bases: RA/WA[62] ADDR[51:5] LOG2SIZE[4:0].
            new(SmmuRegister.CmdqBase, 0x90, 8, 0, "SMMU_CMDQ_BASE", RegisterAccess.WriteWhenCmdqDisabled, 0x400f_ffff_ffff_ffffUL),
            new(SmmuRegister.CmdqProd, 0x98, 4, 0, "SMMU_CMDQ_PROD", RegisterAccess.ReadWrite, 0xf_ffff),
            new(SmmuRegister.CmdqCons, 0x9c, 4, 0, "SMMU_CMDQ_CONS", RegisterAccess.WriteWhenCmdqDisabled, 0xf_ffff),
            new(SmmuRegister.EventqBase, 0xa0, 8, 0, "SMMU_EVENTQ_BASE", RegisterAccess.WriteWhenEventqDisabled, 0x400f_ffff_ffff_ffffUL),
            new(SmmuRegister.EventqProd, 0x100a8, 4, 0, "SMMU_EVENTQ_PROD", RegisterAccess.WriteWhenEventqDisabled, 0xf_ffff),
            new(SmmuRegister.EventqCons, 0x100ac, 4, 0, "SMMU_EVENTQ_CONS", RegisterAccess.ReadWrite, 0x800f_ffff),
            new(SmmuRegister.EventqIrqCfg0, 0xb0, 8, 0, "SMMU_EVENTQ_IRQ_CFG0", RegisterAccess.ReadWrite, Addr52),
            new(SmmuRegister.EventqIrqCfg1, 0xb8, 4, 0, "SMMU_EVENTQ_IRQ_CFG1", RegisterAccess.ReadWrite, 0xffff_ffff),
            new(SmmuRegister.EventqIrqCfg2, 0xbc, 4, 0, "SMMU_EVENTQ_IRQ_CFG2", RegisterAccess.ReadWrite, 0x3f),
        ];
        _values = new ulong[Definitions.Length];
        for (int i = 0; i < Definitions.Length; i++)
        {
            var d = Definitions[i];
            if ((int)d.Id != i) throw new InvalidOperationException($"register table out of order at {d.Name}");
            MapOffset(d.Offset, i, d.Width);
            if (config.EventQueuePage0Alias && d.Offset >= 0x10000) MapOffset(d.Offset - 0x10000, i, d.Width);
        }
        Reset();
    }

    private void MapOffset(uint offset, int index, int width)
    {
        int slot = (int)((offset >> 16) * 0x400 + ((offset & 0xfff) >> 2));
        _map[slot] = index + 1;
        if (width == 8) { _map[slot + 1] = index + 1; _half[slot + 1] = 1; }
    }

    /// <summary>The declaration table, indexed by <see cref="SmmuRegister"/>.</summary>
    public SmmuRegisterDef[] Definitions { get; }

    /// <summary>Current value of a register.</summary>
    public ulong this[SmmuRegister id]
    {
        get => _values[(int)id];
        set => _values[(int)id] = value;
    }

    /// <summary>Restores every register to its reset value.</summary>
    public void Reset()
    {
        for (int i = 0; i < Definitions.Length; i++) _values[i] = Definitions[i].Reset;
    }

    /// <summary>
    /// Finds the register at <paramref name="offset"/> for an access of <paramref name="size"/> bytes; false for
    /// reserved offsets (RAZ/WI) and for a 64-bit access to a 32-bit register (<paramref name="badSize"/>).
    /// <paramref name="shift"/> is 32 for the upper half of a 64-bit register.
    /// </summary>
    public bool TryDecode(ulong offset, int size, out SmmuRegister id, out int shift, out bool badSize)
    {
        id = default; shift = 0; badSize = false;
        if (offset >= WindowSize || (offset & 0xffff) >= 0x1000) return false;
        int slot = (int)((offset >> 16) * 0x400 + ((offset & 0xfff) >> 2));
        int idx = _map[slot] - 1;
        if (idx < 0) return false;
        id = (SmmuRegister)idx;
        shift = _half[slot] * 32;
        if (size == 8 && (Definitions[idx].Width != 8 || shift != 0)) { badSize = true; return false; }
        return true;
    }

    /// <summary>A dump of every register with its spec name, offset and value.</summary>
    public string Dump()
    {
        var sb = new StringBuilder();
        foreach (var d in Definitions)
            sb.Append($"{d.Name,-22} 0x{d.Offset:x5} = 0x{_values[(int)d.Id].ToString(d.Width == 8 ? "x16" : "x8")}\n");
        return sb.ToString();
    }
}
