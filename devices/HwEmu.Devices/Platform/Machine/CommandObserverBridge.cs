using HwEmu.Devices.Gic;
using HwEmu.Devices.Smmu;

namespace HwEmu.Devices.Platform.Machine;

/// <summary>
/// Forwards the SMMU's and the ITS's executed commands to an <see cref="IRunObserver"/> (with the CMDQ consumer
/// index the commands were consumed at, counted from the SMMU's reset). Attached from the start of host set-up so
/// the drivers' commands are recorded too; the SMMU keeps it for the whole run.
/// </summary>
internal sealed class CommandObserverBridge(IRunObserver observer, Func<ulong> clock) : ISmmuObserver, IGicObserver
{
    private uint _consumed;

    public void OnTranslation(in SmmuTransaction transaction, in TranslationResult result) { }

    public void OnCommand(in CmdqCommand command, CmdqError error, int cycles) =>
        observer.OnSmmuCommand(clock(), _consumed++, command.Dword0, command.Dword1, (byte)error);

    public void OnEvent(in SmmuEventRecord record, bool written) { }

    public void OnItsCommand(GicV3Its its, in Gic.ItsCommandRecord record)
    {
        ItsCommand c = record.Command;
        observer.OnItsCommand(record.CompletePs, record.Offset, c.Dw0, c.Dw1, c.Dw2, c.Dw3, (uint)record.Error);
    }

    public void OnMsiTranslated(GicV3Its its, in MsiTranslation translation) { }

    public void OnInterruptDelivered(in GicDelivery delivery) { }
}
