/**
 * The experiment designer: the form as typed, its spec (derived, with an error per field),
 * the plan the lab computes for it (setups, job count, duration), and the launch.
 */
import { api } from '../api/index.ts';
import type { ExperimentPlan, ExperimentPreset } from '../../../src-shared/api/dto.ts';
import {
  buildSpec,
  emptyForm,
  errorsFromApi,
  formFromSpec,
  type ExperimentForm,
  type FormErrors,
  type FormField,
} from '../lib/spec-form.ts';
import { lab } from './lab.svelte.ts';
import { router } from './router.svelte.ts';
import { zoo } from './zoo.svelte.ts';

/** How often the preview asks again while the lab calibrates this machine (ms). */
const RECHECK_CALIBRATION_MS = 5_000;

class DesignerState {
  form = $state<ExperimentForm>(emptyForm());
  touched = $state<Partial<Record<FormField, boolean>>>({});
  /** Errors the api reported for the current spec (plan or launch). */
  apiErrors = $state<FormErrors>({});
  apiMessage = $state<string | null>(null);
  plan = $state.raw<ExperimentPlan | null>(null);
  planning = $state(false);
  launching = $state(false);
  submitted = $state(false);
  private planSeq = 0;

  built = $derived(buildSpec(this.form));

  /** Errors to show: those of fields already edited, or all once launch was tried. */
  visibleErrors = $derived.by(() => {
    const all: FormErrors = { ...this.apiErrors, ...this.built.errors };
    if (this.submitted) return all;
    const shown: FormErrors = {};
    for (const [field, message] of Object.entries(all) as [FormField, string][])
      if (this.touched[field]) shown[field] = message;
    return shown;
  });

  touch(field: FormField): void {
    if (!this.touched[field]) this.touched[field] = true;
    if (this.apiErrors[field] || this.apiMessage) {
      this.apiErrors = {};
      this.apiMessage = null;
    }
  }

  applyPreset(preset: ExperimentPreset): void {
    const projectId = this.form.projectId ?? zoo.currentProjectId;
    const known = new Set(lab.datasets.map((dataset) => dataset.id));
    const datasets = preset.spec.datasets.filter((id) => known.has(id));
    this.form = { ...formFromSpec(preset.spec), projectId, datasets };
    this.touched = {};
    this.submitted = false;
    this.apiErrors = {};
    this.apiMessage = null;
  }

  /** Asks the lab for the plan of the current spec; stale answers are dropped. */
  async updatePlan(): Promise<void> {
    const spec = this.built.spec;
    const seq = ++this.planSeq;
    if (!spec) {
      this.plan = null;
      return;
    }
    this.planning = true;
    try {
      // At once, from what the lab knows; until this machine is calibrated (in the
      // background), ask again now and then so the estimate firms up.
      const plan = await api.planExperiment({ spec, wait: false });
      if (seq !== this.planSeq) return;
      this.plan = plan;
      if (!plan.calibrated) {
        setTimeout(() => {
          if (seq === this.planSeq) void this.updatePlan();
        }, RECHECK_CALIBRATION_MS);
      }
      this.apiErrors = {};
      this.apiMessage = null;
    } catch (error) {
      if (seq !== this.planSeq) return;
      this.plan = null;
      const { field, message } = errorsFromApi(error);
      if (field) {
        this.apiErrors = { [field]: message };
        this.touched[field] = true;
      } else this.apiMessage = message;
    } finally {
      if (seq === this.planSeq) this.planning = false;
    }
  }

  async launch(start = true): Promise<boolean> {
    this.submitted = true;
    const spec = this.built.spec;
    if (!spec || this.form.projectId === null) return false;
    this.launching = true;
    try {
      const { experiment, jobs } = await api.createExperiment({
        projectId: this.form.projectId,
        spec,
        launch: start,
      });
      lab.toast(
        `Experiment “${experiment.name}”: ${jobs.length} job${jobs.length === 1 ? '' : 's'} ${start ? 'queued' : 'created'}`,
        'success',
      );
      zoo.expanded.add(`p${experiment.projectId}`);
      zoo.scheduleRefresh(0);
      this.submitted = false;
      this.touched = {};
      router.go('runs', null, { experiment: experiment.id });
      return true;
    } catch (error) {
      const { field, message } = errorsFromApi(error);
      if (field) this.apiErrors = { [field]: message };
      else this.apiMessage = message;
      return false;
    } finally {
      this.launching = false;
    }
  }
}

export const designer = new DesignerState();
