# plotly.js's zh-CN locale, as data: `lib/locales/zh-cn.js` of the npm package plotly.js 4.1.1
# (https://registry.npmjs.org/plotly.js/-/plotly.js-4.1.1.tgz), the plotly.js that dash 4.4 serves
# (plotly 7.1's package_data/plotly.min.js says "plotly.js v4.1.1"). Converted from JavaScript to
# a Python literal, entries unchanged; when plotly is upgraded, take the file of the new version.
# plotly.js is under the MIT licence, reproduced here as it requires:
#
# MIT License
#
# Copyright (c) 2016-2024 Plotly Technologies Inc.
#
# Permission is hereby granted, free of charge, to any person obtaining a copy
# of this software and associated documentation files (the "Software"), to deal
# in the Software without restriction, including without limitation the rights
# to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
# copies of the Software, and to permit persons to whom the Software is
# furnished to do so, subject to the following conditions:
#
# The above copyright notice and this permission notice shall be included in
# all copies or substantial portions of the Software.
#
# THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
# IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
# FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
# AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
# LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
# OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
# THE SOFTWARE.
"""The zh-CN locale of plotly.js, so chart dates, modebar and hints read in Chinese.

Handed to plotly in each graph's `config` (`locales`/`locale`, see `figures.graph_config`):
no extra script to load, and no global `Plotly.register` racing plotly's async load.
`ZH_CN` is upstream's data as is; `ZH_CN_DATE_FORMATS` is ours (see there).
"""

from __future__ import annotations

from typing import Any, Final

PLOTLY_JS_VERSION: Final = "4.1.1"

ZH_CN: Final[dict[str, Any]] = {
    "dictionary": {
        "Autoscale": "自动缩放",
        "Box Select": "矩形框选",
        "Click to enter Colorscale title": "点击输入色阶的标题",
        "Click to enter Component A title": "点击输入组件A的标题",
        "Click to enter Component B title": "点击输入组件B的标题",
        "Click to enter Component C title": "点击输入组件C的标题",
        "Click to enter Plot title": "点击输入图表的标题",
        "Click to enter X axis title": "点击输入X轴的标题",
        "Click to enter Y axis title": "点击输入Y轴的标题",
        "Compare data on hover": "悬停时比较数据",
        "Double-click on legend to isolate one trace": "双击图例来突显对应轨迹",
        "Double-click to zoom back out": "双击返回缩小显示",
        "Download plot as a PNG": "下载图表为PNG格式",
        "Download plot": "下载图表",
        "Edit in Chart Studio": "在Chart Studio中编辑",
        "IE only supports svg.  Changing format to svg.": "IE只支持SVG。转换格式为SVG。",
        "Lasso Select": "套索选择",
        "Orbital rotation": "轨道旋转",
        "Pan": "平移",
        "Produced with Plotly.js": "由Plotly.js生成",
        "Reset": "重置",
        "Reset axes": "重置轴",
        "Reset camera to default": "重置镜头视角为默认状态",
        "Reset camera to last save": "重置镜头视角为上次保存状态",
        "Reset view": "重置视图",
        "Reset views": "重置视图",
        "Show closest data on hover": "悬停时显示最近的数据",
        "Image download succeeded": "图片下载成功",
        "Sorry, there was a problem downloading your image!": "抱歉，下载图片出现问题！",
        "Preparing image - this may take a few seconds": "正在准备图片 - 可能需要几秒钟",
        "Zoom": "缩放",
        "Zoom in": "放大",
        "Zoom out": "缩小",
        "close:": "关闭:",
        "trace": "踪迹:",
        "lat:": "纬度:",
        "lon:": "经度:",
        "q1:": "第一四分位数:",
        "q3:": "第三四分位数:",
        "source:": "源:",
        "target:": "目标:",
        "lower fence:": "内侧栏(lower fence):",
        "upper fence:": "外侧栏(upper fence):",
        "max:": "最大值:",
        "mean ± σ:": "平均数 ± 标准差σ:",
        "mean:": "平均数:",
        "median:": "中位数:",
        "min:": "最小值:",
        "Turntable rotation": "旋转转盘:",
        "Toggle Spike Lines": "切换显示数据点辅助线(Spike Lines)",
        "open:": "打开:",
        "high:": "高:",
        "low:": "低:",
        "Toggle show closest data on hover": "切换悬停时显示最近的数据点",
        "incoming flow count:": "流入数量:",
        "outgoing flow count:": "流出数量:",
        "kde:": "kde:",
        "Click to enter radial axis title": "点击输入径向轴标题",
        "new text": "新建文本",
    },
    "format": {
        "days": ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
        "shortDays": ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
        "months": [
            "一月",
            "二月",
            "三月",
            "四月",
            "五月",
            "六月",
            "七月",
            "八月",
            "九月",
            "十月",
            "十一月",
            "十二月",
        ],
        "shortMonths": ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"],
        "date": "%Y-%m-%d",
    },
}

ZH_CN_DATE_FORMATS: Final[dict[str, str]] = {
    "year": "%Y年",
    "month": "%Y年%-m月",
    "dayMonth": "%-m月%-d日",
    "dayMonthYear": "%Y年%-m月%-d日",
}
"""Ours, not upstream's: the formats of plotly's automatic date ticks and hover headers. Upstream
zh-CN leaves them to English ("%b %-d" with its short months: "十一 30"); Chinese writes 11月30日."""

PLOTLY_LOCALES: Final[dict[str, tuple[str, dict[str, Any]]]] = {
    "zh_CN": (
        "zh-CN",
        {"dictionary": ZH_CN["dictionary"], "format": {**ZH_CN["format"], **ZH_CN_DATE_FORMATS}},
    ),
}
"""Our locale -> plotly's name for it and its locale data; en is plotly's own default."""
