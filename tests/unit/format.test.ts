import { describe, expect, it } from 'vitest';
import {
  FormatError,
  networkToModelJson,
  parseDataJson,
  parseModelJson,
  parsePlaneJson,
  planeToJson,
} from '../../src-shared/model/format.ts';
import { heNetwork } from './engine-support.ts';

function model(layers: unknown[], extra: Record<string, unknown> = {}) {
  return { format: 'mbh-model', version: 1, inputDim: 2, layers, ...extra };
}
const hidden = {
  weights: [
    [1, 2],
    [3, 4],
    [5, 6],
  ],
  bias: [0, 0, 0],
  activation: 'relu',
};
const output = { weights: [[1, 1, 1]], bias: [0], activation: 'linear' };

function formatError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(FormatError);
    return (error as Error).message;
  }
  throw new Error('expected a FormatError');
}

describe('Model JSON', () => {
  it('parses a valid model and applies the mask to the weights', () => {
    const network = parseModelJson(
      model(
        [
          {
            ...hidden,
            mask: [
              [1, 0],
              [1, 1],
              [0, 0],
            ],
          },
          output,
        ],
        { inputBox: { low: 0, high: 1 } },
      ),
    );
    expect(network.inputDim).toBe(2);
    expect(network.layers).toHaveLength(2);
    expect(Array.from(network.layers[0].weights)).toEqual([1, 0, 3, 4, 0, 0]);
    expect(Array.from(network.layers[0].mask!)).toEqual([1, 0, 1, 1, 0, 0]);
    expect(network.inputBox).toEqual({ low: 0, high: 1 });
  });

  it('round-trips through networkToModelJson', () => {
    const network = heNetwork(5, [4, 3], 2, { seed: 3, density: 0.5 });
    const json = JSON.parse(JSON.stringify(networkToModelJson(network)));
    const back = parseModelJson(json);
    back.layers.forEach((layer, l) => {
      expect(Array.from(layer.weights)).toEqual(Array.from(network.layers[l].weights));
      expect(Array.from(layer.bias)).toEqual(Array.from(network.layers[l].bias));
      expect(layer.mask ? Array.from(layer.mask) : undefined).toEqual(
        network.layers[l].mask ? Array.from(network.layers[l].mask!) : undefined,
      );
    });
  });

  it('names the problem and its place', () => {
    const cases: [unknown, string][] = [
      [[], 'model: expected an object, got an array'],
      [{ ...model([hidden, output]), format: 'onnx' }, 'format: expected "mbh-model", got "onnx"'],
      [{ ...model([hidden, output]), version: 2 }, 'version: expected 1, got 2'],
      [{ ...model([hidden, output]), inputDim: 0 }, 'inputDim: expected a positive integer, got 0'],
      [model([]), 'layers: a model needs at least one layer'],
      [model([{ ...hidden, bias: [0, 0, 0, 0] }, output]), 'layers[0].weights: 3 rows, bias has 4'],
      [
        model([
          {
            ...hidden,
            weights: [
              [1, 2],
              [3, NaN],
              [5, 6],
            ],
          },
          output,
        ]),
        'NaN at layers[0].weights[1][1]',
      ],
      [
        model([
          {
            ...hidden,
            weights: [
              [1, 2],
              [3, 4],
              [5, '6'],
            ],
          },
          output,
        ]),
        'layers[0].weights[2][1]: expected a number, got "6"',
      ],
      [
        model([{ ...hidden, weights: [[1, 2], [3, 4], [5]] }, output]),
        'layers[0].weights[2]: 1 entries, expected 2 (inputDim)',
      ],
      [
        model([
          {
            ...hidden,
            weights: [
              [1, 2, 3],
              [3, 4, 5],
              [5, 6, 7],
            ],
          },
          output,
        ]),
        'layers[0].weights: rows have 3 entries but inputDim is 2',
      ],
      [
        model([hidden, { ...output, weights: [[1, 1]] }]),
        'layers[1].weights: rows have 2 entries but layers[0] has 3 outputs',
      ],
      [
        model([hidden, { ...output, activation: 'relu' }]),
        'layers[1].activation: the last layer must be "linear", got "relu"',
      ],
      [
        model([{ ...hidden, activation: 'linear' }, output]),
        'layers[0].activation: hidden layers must be "relu", got "linear"',
      ],
      [
        model([{ ...hidden, activation: 'tanh' }, output]),
        'layers[0].activation: expected "relu" or "linear", got "tanh"',
      ],
      [
        model([
          {
            ...hidden,
            mask: [
              [1, 0],
              [1, 0.5],
              [0, 0],
            ],
          },
          output,
        ]),
        'layers[0].mask[1][1]: mask entries must be 0 or 1, got 0.5',
      ],
      [model([{ ...hidden, mask: [[1, 0]] }, output]), 'layers[0].mask: 1 rows, weights have 3'],
      [
        model([hidden, output], { inputBox: { low: 1, high: 0 } }),
        'inputBox: low (1) must be below high (0)',
      ],
    ];
    for (const [value, message] of cases)
      expect(formatError(() => parseModelJson(value))).toBe(message);
  });
});

describe('Plane JSON', () => {
  it('accepts points or explicit parts of the model dimension', () => {
    const points = parsePlaneJson(
      {
        points: [
          [0, 0, 0],
          [1, 0, 0],
          [0, 1, 0],
        ],
      },
      3,
    );
    expect(points.kind).toBe('points');
    const explicit = parsePlaneJson(
      {
        origin: [0, 0],
        u: [1, 0],
        v: [0, 1],
        domain: [
          [0, 0],
          [1, 0],
          [0, 1],
        ],
      },
      2,
    );
    expect(explicit.kind === 'explicit' && Array.from(explicit.domain)).toEqual([0, 0, 1, 0, 0, 1]);
    const json = planeToJson({ origin: [0, 0], u: [1, 0], v: [0, 1], domain: [0, 0, 1, 0, 0, 1] });
    expect(json).toEqual({
      origin: [0, 0],
      u: [1, 0],
      v: [0, 1],
      domain: [
        [0, 0],
        [1, 0],
        [0, 1],
      ],
    });
  });

  it('names what is wrong', () => {
    const cases: [unknown, string][] = [
      [{ points: [[0, 0]] }, 'plane needs 3 points of dimension 784'],
      [
        { points: [new Array(784).fill(0), new Array(784).fill(1), [1, 2]] },
        'plane needs 3 points of dimension 784: points[2] has 2',
      ],
      [{ origin: [] }, 'plane: missing "u" (give "points", or "origin", "u", "v" and "domain")'],
      [
        { origin: [0], u: new Array(784).fill(0), v: new Array(784).fill(0), domain: [] },
        'origin: 1 entries, expected 784',
      ],
    ];
    for (const [value, message] of cases)
      expect(formatError(() => parsePlaneJson(value, 784))).toBe(message);
    expect(
      formatError(() =>
        parsePlaneJson(
          {
            origin: [0, 0],
            u: [1, 0],
            v: [0, 1],
            domain: [
              [0, 0],
              [1, 0],
            ],
          },
          2,
        ),
      ),
    ).toBe('domain: a polygon needs at least 3 vertices, got 2');
    expect(
      formatError(() =>
        parsePlaneJson(
          {
            origin: [0, 0],
            u: [1, 0],
            v: [0, 1],
            domain: [
              [0, 0],
              [1, 0],
              [0, Infinity],
            ],
          },
          2,
        ),
      ),
    ).toBe('Infinity at domain[2][1]');
  });
});

describe('Data JSON', () => {
  it('parses samples and labels', () => {
    const data = parseDataJson(
      {
        x: [
          [1, 2],
          [3, 4],
        ],
        y: [0, 1],
      },
      2,
    );
    expect(data.count).toBe(2);
    expect(Array.from(data.x)).toEqual([1, 2, 3, 4]);
    expect(Array.from(data.labels)).toEqual([0, 1]);
  });

  it('names what is wrong', () => {
    expect(formatError(() => parseDataJson({ x: [[1, 2]], y: [0, 1] }, 2))).toBe(
      'x has 1 rows, y has 2 labels',
    );
    expect(formatError(() => parseDataJson({ x: [[1, 2], [3]], y: [0, 1] }, 2))).toBe(
      'x[1]: 1 entries, expected 2 (the model input dimension)',
    );
    expect(formatError(() => parseDataJson({ x: [[1, 2]], y: [1.5] }, 2))).toBe(
      'y[0]: a label must be a non-negative integer, got 1.5',
    );
    expect(formatError(() => parseDataJson({ x: [[1, null]], y: [1] }, 2))).toBe(
      'x[0][1]: expected a number, got null',
    );
  });
});
