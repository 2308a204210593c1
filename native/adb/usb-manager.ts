/** A USB manager stand-in for devices no real WebUSB manager owns (the in-process virtual phone). */
export class QuietUsbManager extends EventTarget {}
