namespace HwEmu.Emulator.Kernel;

/// <summary>
/// Receives events scheduled on a <see cref="Simulator"/>. Components implement it once (usually on the component
/// itself or a small sealed helper) and tell their events apart by the payload, so scheduling never allocates.
/// </summary>
public interface IEventHandler
{
    /// <summary>Called when the event fires; <see cref="Simulator.Now"/> is the event's time.</summary>
    /// <param name="payload">The value passed when the event was scheduled.</param>
    void OnEvent(ulong payload);
}
