import { loadFleetPlan } from "../../src/fleet/load.js";
import { InputError } from "../../src/shared/diagnostics.js";

/** What loading a fleet plan refuses it with (the input error's message), or "" when it loads. */
export function planProblems(file: string): string {
  try {
    loadFleetPlan(file);
  } catch (error) {
    if (error instanceof InputError) return error.message;
    throw error;
  }
  return "";
}
