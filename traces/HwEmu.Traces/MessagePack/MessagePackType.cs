namespace HwEmu.Traces.MessagePack;

/// <summary>The MessagePack type family of the next token (msgpack spec "Type system").</summary>
public enum MessagePackType : byte
{
    /// <summary>0xc1, never used: a reader rejects it.</summary>
    Unknown = 0,
    /// <summary>Integer (positive/negative fixint, uint 8-64, int 8-64).</summary>
    Integer,
    /// <summary>nil.</summary>
    Nil,
    /// <summary>true / false.</summary>
    Boolean,
    /// <summary>float 32 / float 64.</summary>
    Float,
    /// <summary>fixstr, str 8/16/32.</summary>
    String,
    /// <summary>bin 8/16/32.</summary>
    Binary,
    /// <summary>fixarray, array 16/32.</summary>
    Array,
    /// <summary>fixmap, map 16/32.</summary>
    Map,
    /// <summary>fixext 1/2/4/8/16, ext 8/16/32 (including the timestamp type -1).</summary>
    Extension,
}
