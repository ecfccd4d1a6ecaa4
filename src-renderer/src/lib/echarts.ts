/** ECharts with only what the lab draws, and exports of a chart as PNG or SVG. */
import { CustomChart, HeatmapChart, LineChart, ParallelChart, ScatterChart } from 'echarts/charts';
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  ParallelComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';
import type { EChartsOption } from 'echarts';
import { downloadDataUrl, downloadText } from './download.ts';

echarts.use([
  LineChart,
  ParallelChart,
  ScatterChart,
  CustomChart,
  HeatmapChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  TitleComponent,
  DataZoomComponent,
  MarkLineComponent,
  ParallelComponent,
  VisualMapComponent,
  CanvasRenderer,
  SVGRenderer,
]);

export { echarts };
export type { EChartsOption };
export type Chart = echarts.EChartsType;

export function exportPng(chart: Chart, fileName: string): void {
  downloadDataUrl(
    chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#fff' }),
    fileName,
  );
}

/** Renders the option again with the SVG renderer, off screen, and saves the SVG text. */
export function optionToSvg(option: EChartsOption, width: number, height: number): string {
  const holder = document.createElement('div');
  holder.style.cssText = `position:fixed;left:-10000px;top:0;width:${width}px;height:${height}px`;
  document.body.append(holder);
  const chart = echarts.init(holder, null, { renderer: 'svg', width, height });
  try {
    chart.setOption({ ...option, animation: false, backgroundColor: '#fff' });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
    holder.remove();
  }
}

export function exportSvg(chart: Chart, fileName: string): void {
  const option = chart.getOption() as EChartsOption;
  downloadText(optionToSvg(option, chart.getWidth(), chart.getHeight()), fileName, 'image/svg+xml');
}
