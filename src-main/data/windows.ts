// Display window presets for CT (DESIGN.md section 5), and the conversion of a window (width, level) to the
// [low, high] value range a recipe clips to. A window is for looking at HU; the model's normalisation is
// the recipe's window, which the user may set from one of these.

export type WindowPresetName = 'lung' | 'mediastinum' | 'bone' | 'brain';

export interface WindowPreset {
  name: WindowPresetName;
  width: number;
  level: number;
}

export const WINDOW_PRESETS: WindowPreset[] = [
  { name: 'lung', width: 1500, level: -600 },
  { name: 'mediastinum', width: 350, level: 50 },
  { name: 'bone', width: 2000, level: 500 },
  { name: 'brain', width: 80, level: 40 },
];

/** [level - width/2, level + width/2]: the values shown from black to white. */
export function windowBounds(w: { width: number; level: number }): [number, number] {
  return [w.level - w.width / 2, w.level + w.width / 2];
}
