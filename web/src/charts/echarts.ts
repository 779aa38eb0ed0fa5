// ECharts, tree-shaken to what the app draws (line, bar, pie; grid, tooltip, legend) with the
// SVG renderer. Imported only through `import()`, so it is its own chunk, fetched when the
// first chart appears.
import * as echarts from 'echarts/core';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([LineChart, BarChart, PieChart, GridComponent, TooltipComponent, LegendComponent, SVGRenderer]);

export { echarts };
