/** QR codes of configuration text, as PNG, for the phone's camera (the WireGuard app's "scan from QR code"). */
import QRCode from 'qrcode';

export interface QrOptions {
    /** Pixels per module; default 6 (a full-tunnel profile fits in ~ 400 px). */
    readonly scale?: number | undefined;
}

export async function qrPng(text: string, options: QrOptions = {}): Promise<Buffer> {
    // Byte mode keeps the text exactly as given (no charset guessing); level M survives a glare spot.
    return QRCode.toBuffer([{ data: Buffer.from(text, 'utf8'), mode: 'byte' }], {
        type: 'png',
        errorCorrectionLevel: 'M',
        margin: 4,
        scale: options.scale ?? 6,
    });
}
