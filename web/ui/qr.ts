// QR code of an invite link as an SVG built with DOM calls (qrcode-generator does the encoding;
// its HTML/SVG string helpers are not used).
import qrcode from 'qrcode-generator';
import { svg } from './dom.js';

export interface QrMatrix {
  readonly size: number;
  isDark(row: number, col: number): boolean;
}

/** Byte mode, error correction M, smallest version that fits. */
export function qrMatrix(text: string): QrMatrix {
  const code = qrcode(0, 'M');
  code.addData(text, 'Byte');
  code.make();
  return { size: code.getModuleCount(), isDark: (row, col) => code.isDark(row, col) };
}

/** One path of unit squares, a 4-module quiet zone, dark on white whatever the colour scheme. */
export function qrSvg(text: string, label: string): SVGSVGElement {
  const matrix = qrMatrix(text);
  const quiet = 4;
  const full = matrix.size + quiet * 2;
  let d = '';
  for (let row = 0; row < matrix.size; row++) {
    for (let col = 0; col < matrix.size; col++) {
      if (matrix.isDark(row, col)) d += `M${col + quiet} ${row + quiet}h1v1h-1z`;
    }
  }
  return svg('svg', {
    viewBox: `0 0 ${full} ${full}`, class: 'qr', role: 'img', 'aria-label': label, 'shape-rendering': 'crispEdges',
    'data-modules': matrix.size,
  },
  svg('rect', { width: full, height: full, fill: '#ffffff' }),
  svg('path', { d, fill: '#000000' }));
}
