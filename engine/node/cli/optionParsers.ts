import { PasticheError } from '../../common/errors.js';
import { shownValue } from '../../common/stylize/settingChecks.js';

/** Parsers for command-line values; each error names the option and the value it refused. */
export function numberOption(option: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed))
      throw new PasticheError(`expected a number, got ${shownValue(value)}`, `--${option}`);
    return parsed;
  };
}

export function integerOption(option: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed))
      throw new PasticheError(`expected a whole number ≥ 0, got ${shownValue(value)}`, `--${option}`);
    return parsed;
  };
}

export function listOption(option: string) {
  return (value: string): string[] => {
    const items = value.split(',').map((item) => item.trim());
    if (items.some((item) => item === '')) throw new PasticheError(`empty item in ${shownValue(value)}`, `--${option}`);
    return items;
  };
}

export function numberListOption(option: string) {
  const parseNumber = numberOption(option);
  return (value: string): number[] => listOption(option)(value).map(parseNumber);
}

export function choiceOption<T extends string>(option: string, choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value))
      throw new PasticheError(`expected one of ${choices.join(', ')}, got ${shownValue(value)}`, `--${option}`);
    return value as T;
  };
}

/** `W` (a square) or `WxH`, in pixels. */
export function sizeOption(option: string) {
  return (value: string): { width: number; height: number } => {
    const match = /^(\d+)(?:x(\d+))?$/i.exec(value.trim());
    if (!match)
      throw new PasticheError(`expected WIDTH or WIDTHxHEIGHT in pixels, got ${shownValue(value)}`, `--${option}`);
    const width = Number(match[1]);
    return { width, height: match[2] === undefined ? width : Number(match[2]) };
  };
}

/**
 * `SIZE:ITERATIONS,…`, coarse to fine (`256:300,512:150,1024:50`): the stages of a print schedule, their tiles left to
 * --tile or to memory.
 */
export function scheduleOption(option: string) {
  return (value: string): Array<{ size: number; iterations: number }> => {
    const stages = value.split(',').map((item) => /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(item));
    if (stages.length === 0 || stages.some((match) => match === null)) {
      throw new PasticheError(
        `expected SIZE:ITERATIONS,… from the smallest size (e.g. 256:300,512:150,1024:50), got ${shownValue(value)}`,
        `--${option}`,
      );
    }
    return stages.map((match) => ({ size: Number(match![1]), iterations: Number(match![2]) }));
  };
}

/** `LAYER` (the entry drawn from the seed) or `LAYER:ROW,COLUMN`, a Gram matrix entry counted from 0. */
export function gramEntryOption(option: string) {
  return (value: string): { layer: string; entry: { row: number; column: number } | null } => {
    const match = /^([^:\s]+)(?::(\d+),(\d+))?$/.exec(value.trim());
    if (!match)
      throw new PasticheError(
        `expected LAYER or LAYER:ROW,COLUMN (e.g. conv2_1:3,17), got ${shownValue(value)}`,
        `--${option}`,
      );
    return {
      layer: match[1],
      entry: match[2] === undefined ? null : { row: Number(match[2]), column: Number(match[3]) },
    };
  };
}

/**
 * The loss's layers and weights as `stylize` and `train-style` take them (each unset one takes the network's default).
 */
export interface LossTermOptions {
  contentLayers?: string[];
  styleLayers?: string[];
  styleLayerWeights?: number[];
  contentWeight?: number;
  styleWeight?: number;
  tvWeight: number;
}
