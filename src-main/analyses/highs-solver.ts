/**
 * The lab's BinarySolver: HiGHS (npm `highs`, WebAssembly), loaded once per thread. The
 * exact-pattern engine in src-shared builds the integer program; this file only moves it
 * into HiGHS and reads the answer back.
 */
import loadHighs, { type Highs } from 'highs';
import type {
  BinaryAnswer,
  BinaryProgram,
  BinarySolver,
} from '../../src-shared/mbh/exact-pattern.ts';

let loading: Promise<Highs> | null = null;

/** Loads the WebAssembly module on the first call; later calls share it. */
export async function loadBinarySolver(): Promise<BinarySolver> {
  loading ??= loadHighs();
  const highs = await loading;
  return (program) => solveWith(highs, program);
}

function solveWith(highs: Highs, program: BinaryProgram): BinaryAnswer {
  const model = highs.createModel({
    numCols: program.columns,
    numRows: program.rows,
    sense: highs.constants.objectiveSense.maximize,
    colCost: program.cost,
    colLower: program.lower,
    colUpper: program.upper,
    // This build's infinity is IEEE infinity, as the engine writes open row bounds.
    rowLower: program.rowLower,
    rowUpper: program.rowUpper,
    matrix: {
      format: 'csr',
      numRows: program.rows,
      numCols: program.columns,
      starts: program.starts,
      indices: program.indices,
      values: program.values,
    },
    integrality: new Int32Array(program.columns).fill(highs.constants.variableType.integer),
  });
  try {
    // Every objective the engine builds is integral, so a gap below 1 proves optimality.
    model.options.set({
      output_flag: false,
      time_limit: program.timeLimit,
      mip_rel_gap: 0,
      mip_abs_gap: 0.5,
    });
    if (program.start) model.setSolution({ colValue: program.start });
    // HiGHS checks its time limit only between some phases (a long root LP or cut round
    // can overrun it several times over): these callbacks stop it on the wall clock too.
    const deadline = performance.now() + 1000 * program.timeLimit;
    const stopAtDeadline = (event: { interrupt(): void }): undefined => {
      if (performance.now() > deadline) event.interrupt();
      return undefined;
    };
    model.run({
      [highs.constants.callbackType.mipInterrupt]: stopAtDeadline,
      [highs.constants.callbackType.simplexInterrupt]: stopAtDeadline,
      [highs.constants.callbackType.ipmInterrupt]: stopAtDeadline,
    });
    const status = model.getModelStatus();
    if (status === highs.constants.modelStatus.infeasible) {
      return { status: 'infeasible', values: null, bound: -Infinity };
    }
    const primal = Number(model.info.get('primal_solution_status'));
    const values = primal === 2 ? model.getSolution().colValue : null;
    const bound = Number(model.info.get('mip_dual_bound'));
    return {
      status: status === highs.constants.modelStatus.optimal ? 'optimal' : 'limit',
      values,
      bound: Number.isFinite(bound) ? bound : Infinity,
    };
  } finally {
    model.dispose();
  }
}
