/**
 * The machine's own readings for the resource governor: whole-machine CPU use (from os.cpus() times
 * between two reads), the hottest CPU thermal zone (Linux `/sys/class/thermal/thermal_zone*`), the
 * hottest GPU (`nvidia-smi`, where installed) and whether the machine runs on battery (Linux
 * `/sys/class/power_supply`). A reading that is unavailable here is null: its limit cannot trigger.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { SensorReading, SensorSource } from '../governor.js';

const run = promisify(execFile);

/** Thermal zone types that are CPU packages or cores (x86_pkg_temp, cpu-thermal, soc_thermal, acpitz…). */
const CPU_ZONE = /cpu|x86_pkg|soc|core|acpitz|k10temp|coretemp/i;

async function readText(file: string): Promise<string | null> {
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch {
    return null;
  }
}

export async function hottestCpuZone(root = '/sys/class/thermal'): Promise<number | null> {
  let names: string[];
  try {
    names = (await fs.readdir(root)).filter((name) => name.startsWith('thermal_zone'));
  } catch {
    return null;
  }
  let hottest: number | null = null;
  for (const name of names) {
    const type = await readText(path.join(root, name, 'type'));
    const milli = Number(await readText(path.join(root, name, 'temp')));
    if (!type || !CPU_ZONE.test(type) || !Number.isFinite(milli) || milli <= 0) continue;
    hottest = Math.max(hottest ?? -Infinity, milli / 1000);
  }
  return hottest;
}

export async function hottestGpu(): Promise<number | null> {
  try {
    const { stdout } = await run('nvidia-smi', ['--query-gpu=temperature.gpu', '--format=csv,noheader,nounits'], { timeout: 5000 });
    const temps = stdout.split('\n').map(Number).filter((t) => Number.isFinite(t) && t > 0);
    return temps.length ? Math.max(...temps) : null;
  } catch {
    return null; // no NVIDIA GPU, or no driver tools
  }
}

/** True on battery, false on mains, null when the machine has no battery or does not say. */
export async function onBattery(root = '/sys/class/power_supply'): Promise<boolean | null> {
  let names: string[];
  try {
    names = await fs.readdir(root);
  } catch {
    return null;
  }
  let sawBattery = false;
  for (const name of names) {
    const type = await readText(path.join(root, name, 'type'));
    if (type === 'Mains' && (await readText(path.join(root, name, 'online'))) === '1') return false;
    if (type === 'Battery') {
      sawBattery = true;
      if ((await readText(path.join(root, name, 'status'))) === 'Discharging') return true;
    }
  }
  return sawBattery ? false : null;
}

/** Whole-machine CPU use since the previous call, in percent (null on the first call). */
export function cpuUseMeter(): () => number | null {
  let previous: { idle: number; total: number } | null = null;
  return () => {
    let idle = 0;
    let total = 0;
    for (const cpu of os.cpus()) {
      const t = cpu.times;
      idle += t.idle;
      total += t.user + t.nice + t.sys + t.idle + t.irq;
    }
    const before = previous;
    previous = { idle, total };
    if (!before || total <= before.total) return null;
    return Math.round((100 * (1 - (idle - before.idle) / (total - before.total))) * 10) / 10;
  };
}

export function systemSensors(): SensorSource {
  const cpuUse = cpuUseMeter();
  return async (): Promise<SensorReading> => ({
    cpuPercent: cpuUse(),
    cpuTempC: await hottestCpuZone(),
    gpuTempC: await hottestGpu(),
    onBattery: await onBattery(),
  });
}
