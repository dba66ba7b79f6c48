import QRCode from 'qrcode';

/** Bounds of a requested QR size in pixels. */
export const QR_SIZE = { min: 64, max: 1024, default: 256 };

/** The QR of a URL as an SVG document (no script, no external references). */
export function qrSvg(url: string, size?: number): Promise<string> {
  return QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, width: size });
}

/** The QR of a URL as a PNG. */
export function qrPng(url: string, size: number): Promise<Buffer> {
  return QRCode.toBuffer(url, { type: 'png', errorCorrectionLevel: 'M', margin: 2, width: size });
}
