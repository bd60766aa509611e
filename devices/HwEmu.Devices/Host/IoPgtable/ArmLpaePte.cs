namespace HwEmu.Devices.Host.IoPgtable;

/// <summary>LPAE descriptor bits as io-pgtable-arm.c names them (ARM_LPAE_PTE_*, ARM_LPAE_MAIR_*).</summary>
public static class ArmLpaePte
{
    /// <summary>Descriptor type mask (bits [1:0]).</summary>
    public const ulong TypeMask = 0x3;
    /// <summary>Block descriptor (levels 1-2).</summary>
    public const ulong TypeBlock = 1;
    /// <summary>Table descriptor (levels 0-2).</summary>
    public const ulong TypeTable = 3;
    /// <summary>Page descriptor (level 3).</summary>
    public const ulong TypePage = 3;
    /// <summary>Output address bits [47:12] (52-bit addresses fold bits [51:48] into [15:12] with 64K granules).</summary>
    public const ulong AddrMask = 0x0000_ffff_ffff_f000;
    /// <summary>NSTable.</summary>
    public const ulong NsTable = 1UL << 63;
    /// <summary>XN (UXN|PXN at stage 1, XN[1:0] at stage 2).</summary>
    public const ulong Xn = 3UL << 53;
    /// <summary>DBM.</summary>
    public const ulong Dbm = 1UL << 51;
    /// <summary>Access flag.</summary>
    public const ulong Af = 1UL << 10;
    /// <summary>Outer shareable.</summary>
    public const ulong ShOs = 2UL << 8;
    /// <summary>Inner shareable.</summary>
    public const ulong ShIs = 3UL << 8;
    /// <summary>NS.</summary>
    public const ulong Ns = 1UL << 5;
    /// <summary>Attribute bits kept when a block is split (ATTR_LO [11:2] | ATTR_HI [54:53]).</summary>
    public const ulong AttrMask = (0x3ffUL << 2) | (6UL << 52);
    /// <summary>Stage 1 not-global.</summary>
    public const ulong NG = 1UL << 11;
    /// <summary>Stage 1 AP[1]: unprivileged access.</summary>
    public const ulong ApUnpriv = 1UL << 6;
    /// <summary>Stage 1 AP[2]: read-only.</summary>
    public const ulong ApRdonly = 2UL << 6;
    /// <summary>Stage 1 AttrIndx shift.</summary>
    public const int AttrIndxShift = 2;
    /// <summary>Stage 2 S2AP read.</summary>
    public const ulong HapRead = 1UL << 6;
    /// <summary>Stage 2 S2AP write.</summary>
    public const ulong HapWrite = 2UL << 6;
    /// <summary>Stage 2 MemAttr outer/inner write-back.</summary>
    public const ulong MemAttrOiwb = 0xfUL << 2;
    /// <summary>Stage 2 MemAttr normal non-cacheable.</summary>
    public const ulong MemAttrNc = 0x5UL << 2;
    /// <summary>Stage 2 MemAttr Device-nGnRE.</summary>
    public const ulong MemAttrDev = 0x1UL << 2;

    /// <summary>MAIR index of Normal non-cacheable.</summary>
    public const int MairIdxNc = 0;
    /// <summary>MAIR index of Normal write-back (IOMMU_CACHE).</summary>
    public const int MairIdxCache = 1;
    /// <summary>MAIR index of Device-nGnRE (IOMMU_MMIO).</summary>
    public const int MairIdxDev = 2;
    /// <summary>MAIR index of inner-NC outer-WB.</summary>
    public const int MairIdxIncOcache = 3;
    /// <summary>The MAIR value io-pgtable programs: 0x44 | 0xff &lt;&lt; 8 | 0x04 &lt;&lt; 16 | 0xf4 &lt;&lt; 24.</summary>
    public const ulong Mair = 0x44UL | (0xffUL << 8) | (0x04UL << 16) | (0xf4UL << 24);
}
