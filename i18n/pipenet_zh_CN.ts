<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
  <context>
    <name>PipeNet</name>
    <message>
      <location filename="plugin.py" line="74" />
      <source>Install</source>
      <translation>安装</translation>
    </message>
    <message>
      <location filename="plugin.py" line="108" />
      <source>PipeNet</source>
      <translation>PipeNet 管网</translation>
    </message>
    <message>
      <location filename="plugin.py" line="89" />
      <source>Installed: restart QGIS to use PipeNet.</source>
      <translation>已安装：重启 QGIS 后即可使用 PipeNet。</translation>
    </message>
    <message>
      <location filename="plugin.py" line="121" />
      <source>PipeNet panel</source>
      <translation>PipeNet 面板</translation>
    </message>
    <message>
      <location filename="plugin.py" line="122" />
      <source>Upstream trace tool</source>
      <translation>上游追踪工具</translation>
    </message>
    <message>
      <location filename="plugin.py" line="123" />
      <source>Downstream trace tool</source>
      <translation>下游追踪工具</translation>
    </message>
    <message>
      <location filename="plugin.py" line="124" />
      <source>Water main break tool</source>
      <translation>爆管关阀工具</translation>
    </message>
    <message>
      <location filename="plugin.py" line="125" />
      <source>Build network…</source>
      <translation>构建管网…</translation>
    </message>
    <message>
      <location filename="plugin.py" line="126" />
      <source>Network audit…</source>
      <translation>管网体检…</translation>
    </message>
    <message>
      <location filename="processing/algorithms/accumulate.py" line="20" />
      <source>Accumulate upstream (length, manholes, values)</source>
      <translation>上游累计（管长、节点数、数值）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/accumulate.py" line="23" />
      <source>For every pipe, sums what lies upstream of it (the pipe itself included) in one pass over the directed network: pn_up_len (upstream pipe length, m), pn_up_nodes (upstream manholes and junctions) and pn_up_sum (sum of the chosen numeric pipe field, e.g. households, area, design flow). Where flow splits and joins again nothing is counted twice; loops are reported as findings and counted once.&lt;br&gt;&lt;br&gt;上游累计：一次遍历有向管网，为每条管段统计上游管长（米）、上游节点数及所选数值字段（如户数、汇水面积、设计流量）之和。环流单独报告且只计一次。</source>
      <translation>上游累计：一次遍历有向管网，为每条管段统计上游管长（米）、上游节点数及所选数值字段（如户数、汇水面积、设计流量）之和。环流单独报告且只计一次。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/accumulate.py" line="37" />
      <source>Pipes with upstream totals</source>
      <translation>含上游累计的管段</translation>
    </message>
    <message>
      <location filename="processing/algorithms/accumulate.py" line="38" />
      <source>Loops</source>
      <translation>环流</translation>
    </message>
    <message>
      <location filename="processing/algorithms/accumulate.py" line="35" />
      <source>Numeric pipe field to sum upstream (optional)</source>
      <translation>需向上游累计的数值字段（可选）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/accumulate.py" line="45" />
      <source>{} pipes are in flow loops.</source>
      <translation>{} 条管段位于环流中。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/accumulate.py" line="67" />
      <source>Layer PIPES, feature {}, field {}: '{}' is not a number.</source>
      <translation>管段图层，要素 {}，字段 {}：“{}”不是数字。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/build_network.py" line="20" />
      <source>Build network (topology check)</source>
      <translation>构建管网（拓扑检查）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/build_network.py" line="23" />
      <source>Builds the pipe network graph: pipe ends snap to manholes within the snapping tolerance (metres, whatever the layer CRS), unmatched ends meet at virtual junctions, from/to node ids are honoured when present, and flow direction comes from inverts, then a flow-direction field, then the digitising direction.&lt;br&gt;&lt;br&gt;&lt;b&gt;Pipes&lt;/b&gt;: line layer; English or Chinese field names (管径, 起点埋深 ...) are detected automatically, or set them in the advanced parameters.&lt;br&gt;&lt;b&gt;Manholes / nodes&lt;/b&gt;: optional point layer.&lt;br&gt;&lt;b&gt;Pipes output&lt;/b&gt;: every input attribute plus pn_id, pn_from, pn_to, pn_reversed (1 = flow runs against the digitising), pn_dir_src (invert, field, ids, digitised), pn_length (m), pn_comp (subnetwork), pn_system, pn_diam_mm.&lt;br&gt;&lt;b&gt;Nodes output&lt;/b&gt;: input nodes plus virtual junctions (pn_virtual = 1), with degree, in/out counts and subnetwork.&lt;br&gt;&lt;b&gt;Findings&lt;/b&gt;: one point per problem: dangling end, near miss, duplicate or overlapping pipe, zero length, self-loop, orphan manhole, ambiguous end, from/to ids contradicting the geometry, direction against inverts, implausible attributes.&lt;br&gt;&lt;br&gt;构建管网拓扑：管段端点在吸附容差（米）内吸附到检查井，未匹配的端点合并为虚拟节点；有起点点号/终点点号时优先采用；流向依次由管底高程、流向字段、绘制方向确定。输出管段（保留全部原字段并增加 pn_ 字段）、节点（含虚拟节点）和拓扑问题点（悬挂端点、近距未连接、重复/重叠管段、零长度、自环、孤立检查井、起止点号与几何不符、流向与管底高程矛盾、属性不合理）。</source>
      <translation>构建管网拓扑：管段端点在吸附容差（米）内吸附到检查井，未匹配的端点合并为虚拟节点；有起点点号/终点点号时优先采用；流向依次由管底高程、流向字段、绘制方向确定。输出管段（保留全部原字段并增加 pn_ 字段）、节点（含虚拟节点）和拓扑问题点（悬挂端点、近距未连接、重复/重叠管段、零长度、自环、孤立检查井、起止点号与几何不符、流向与管底高程矛盾、属性不合理）。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/build_network.py" line="47" />
      <source>Network pipes</source>
      <translation>管网管段</translation>
    </message>
    <message>
      <location filename="processing/algorithms/build_network.py" line="48" />
      <source>Network nodes</source>
      <translation>管网节点</translation>
    </message>
    <message>
      <location filename="processing/algorithms/build_network.py" line="49" />
      <source>Topology findings</source>
      <translation>拓扑问题点</translation>
    </message>
    <message>
      <location filename="processing/algorithms/build_network.py" line="50" />
      <source>Pipes</source>
      <translation>管段</translation>
    </message>
    <message>
      <location filename="processing/algorithms/build_network.py" line="51" />
      <source>Nodes</source>
      <translation>节点</translation>
    </message>
    <message>
      <location filename="processing/algorithms/build_network.py" line="52" />
      <source>Subnetworks</source>
      <translation>子管网</translation>
    </message>
    <message>
      <location filename="processing/algorithms/build_network.py" line="53" />
      <source>Findings</source>
      <translation>问题点</translation>
    </message>
    <message>
      <location filename="processing/algorithms/build_network.py" line="54" />
      <source>Findings per check</source>
      <translation>各类问题数量</translation>
    </message>
    <message>
      <location filename="processing/algorithms/condition_score.py" line="34" />
      <source>Condition scores (CJJ 181 / PACP)</source>
      <translation>管道状况评估（CJJ 181 / PACP）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/condition_score.py" line="37" />
      <source>Scores each pipe from CCTV defect records (points near the pipes, or a table with a pipe id and the distance along the pipe), coded in CJJ 181-2012 (PL BX FS CK QF TJ TL AJ CR SL / CJ JG ZW CQ SG FZ, grades 1-4) or NASSCO PACP (grades 1-5).&lt;br&gt;&lt;b&gt;Output&lt;/b&gt;: pipes with CJJ 181 structural S, F, SM, repair index RI and functional Y, G, maintenance index MI with grades Ⅰ-Ⅳ, and PACP structural / O&amp;M / overall ratings, rating index and quick rating. Unknown codes are reported as findings, never dropped silently. &lt;b&gt;Area importance K&lt;/b&gt; enters RI and MI (10/6/3/0). The score tables are the data file network/data/defect_codes.json.&lt;br&gt;&lt;br&gt;管道状况评估：按 CJJ 181-2012 计算结构性 S、F、SM、修复指数 RI 和功能性 Y、G、养护指数 MI 及等级，并计算 NASSCO PACP 评分与快速评级；未知缺陷代码单独报告。</source>
      <translation>管道状况评估：按 CJJ 181-2012 计算结构性 S、F、SM、修复指数 RI 和功能性 Y、G、养护指数 MI 及等级，并计算 NASSCO PACP 评分与快速评级；未知缺陷代码单独报告。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/condition_score.py" line="55" />
      <source>Pipes with condition scores</source>
      <translation>含状况评分的管段</translation>
    </message>
    <message>
      <location filename="processing/algorithms/condition_score.py" line="56" />
      <source>Defect findings</source>
      <translation>缺陷问题点</translation>
    </message>
    <message>
      <location filename="processing/algorithms/condition_score.py" line="51" />
      <source>CCTV defects (points or table)</source>
      <translation>CCTV 检测缺陷（点或表）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/condition_score.py" line="53" />
      <source>Area importance K (0, 3, 6 or 10)</source>
      <translation>地区重要性 K（0、3、6 或 10）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/condition_score.py" line="57" />
      <source>Pipes scored</source>
      <translation>已评分管段</translation>
    </message>
    <message>
      <location filename="processing/algorithms/connectivity.py" line="22" />
      <source>Connectivity (subnetworks and outlets)</source>
      <translation>连通性分析（子管网与出口）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/connectivity.py" line="25" />
      <source>Splits the network into subnetworks (weakly connected components) and finds each one's outlets: outfalls, treatment plants and pump stations by node type, and sinks (nodes water cannot leave). Sinks count as outlets when asked, or automatically when no node of the network is typed as an outfall, plant or pump station (then logged); where outlets are typed, a dead end is a no_outlet finding.&lt;br&gt;&lt;b&gt;Fragment size&lt;/b&gt;: subnetworks with at most this many pipes and no outfall/plant/pump are reported as isolated fragments.&lt;br&gt;&lt;b&gt;Pipes / nodes output&lt;/b&gt;: input attributes, pn_comp (subnetwork, 1 = largest) and pn_reach (1 = has a path to an outlet); nodes also pn_outlet (outlet kind).&lt;br&gt;&lt;b&gt;Summary&lt;/b&gt;: one row per subnetwork: pipes, nodes, length, outlets, system mix.&lt;br&gt;&lt;b&gt;Findings&lt;/b&gt;: no_outlet (one per cut-off part, with its pipe and node counts and its likely cause), isolated_fragment.&lt;br&gt;&lt;br&gt;连通性分析：按弱连通划分子管网并识别各子管网的出口（排放口、污水厂、泵站及汇点）；报告无法到达任何出口的管段与节点，以及孤立管段组。输出管段/节点（pn_comp 子管网编号，pn_reach 是否可达出口）、子管网汇总表和问题点。</source>
      <translation>连通性分析：按弱连通划分子管网并识别各子管网的出口（排放口、污水厂、泵站及汇点）；报告无法到达任何出口的管段与节点，以及孤立管段组。输出管段/节点（pn_comp 子管网编号，pn_reach 是否可达出口）、子管网汇总表和问题点。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/connectivity.py" line="51" />
      <source>Pipes with subnetwork</source>
      <translation>含子管网编号的管段</translation>
    </message>
    <message>
      <location filename="processing/algorithms/connectivity.py" line="52" />
      <source>Nodes with subnetwork</source>
      <translation>含子管网编号的节点</translation>
    </message>
    <message>
      <location filename="processing/algorithms/connectivity.py" line="53" />
      <source>Subnetwork summary</source>
      <translation>子管网汇总</translation>
    </message>
    <message>
      <location filename="processing/algorithms/connectivity.py" line="54" />
      <source>Connectivity findings</source>
      <translation>连通性问题点</translation>
    </message>
    <message>
      <location filename="processing/algorithms/connectivity.py" line="44" />
      <source>Isolated fragment: at most this many pipes</source>
      <translation>孤立管段组：管段数上限</translation>
    </message>
    <message>
      <location filename="processing/algorithms/connectivity.py" line="47" />
      <source>Count sinks (dead ends downstream) as outlets</source>
      <translation>将汇点（下游末端）视为出口</translation>
    </message>
    <message>
      <location filename="processing/algorithms/connectivity.py" line="56" />
      <source>Pipes reaching no outlet</source>
      <translation>无法到达出口的管段</translation>
    </message>
    <message>
      <location filename="processing/algorithms/connectivity.py" line="57" />
      <source>Isolated fragments</source>
      <translation>孤立管段组</translation>
    </message>
    <message>
      <location filename="processing/algorithms/connectivity.py" line="65" />
      <source>No node is typed as an outfall, plant or pump station: every dead end (sink) is counted as an outlet.</source>
      <translation>没有节点被标为排放口、污水厂或泵站：所有末端（汇点）均视为出口。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/connectivity.py" line="48" />
      <source>Automatic (when no node is typed outfall, plant or pump)</source>
      <translation>自动（没有节点标为排放口、污水厂或泵站时）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/connectivity.py" line="48" />
      <source>Yes</source>
      <translation>是</translation>
    </message>
    <message>
      <location filename="processing/algorithms/connectivity.py" line="49" />
      <source>No</source>
      <translation>否</translation>
    </message>
    <message>
      <location filename="processing/algorithms/design_storm.py" line="23" />
      <source>Design storm (Chicago hyetograph)</source>
      <translation>设计暴雨（芝加哥雨型）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/design_storm.py" line="26" />
      <source>A Chicago design storm (Keifer &amp; Chu) from the city's storm formula q = 167·A1·(1 + C·lg P) / (t + b)^n: rain depth and intensity per time step for the return period, duration and peak position r (0.3-0.5 is usual in China). The steps add up to the formula's depth for the duration. Write the table as CSV by giving a .csv file; exportswmm uses the same storm as the model's rain gauge.&lt;br&gt;&lt;br&gt;设计暴雨（芝加哥雨型）：由暴雨强度公式生成指定重现期、历时和雨峰系数的逐时段雨量与雨强表，总雨量等于公式在该历时内的雨量。</source>
      <translation>设计暴雨（芝加哥雨型）：由暴雨强度公式生成指定重现期、历时和雨峰系数的逐时段雨量与雨强表，总雨量等于公式在该历时内的雨量。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/design_storm.py" line="37" />
      <source>Design storm table (per time step)</source>
      <translation>设计暴雨表（逐时段）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/design_storm.py" line="38" />
      <source>Total rain depth (mm)</source>
      <translation>总雨量（毫米）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/design_storm.py" line="39" />
      <source>Peak intensity (mm/h)</source>
      <translation>峰值雨强（毫米/小时）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/design_storm.py" line="50" />
      <source>{} steps, {:.2f} mm in total, peak {:.1f} mm/h.</source>
      <translation>{} 个时段，总雨量 {:.2f} 毫米，峰值 {:.1f} 毫米/小时。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/downstream_trace.py" line="17" />
      <source>Downstream trace</source>
      <translation>下游追踪</translation>
    </message>
    <message>
      <location filename="processing/algorithms/downstream_trace.py" line="20" />
      <source>Follows the flow from the start nodes to the outlets.&lt;br&gt;&lt;b&gt;Start node ids&lt;/b&gt;: comma-separated ids as in pn_id of the built network, or &lt;b&gt;start points&lt;/b&gt; (nearest node within the distance).&lt;br&gt;&lt;b&gt;Systems&lt;/b&gt; and &lt;b&gt;stop at node types&lt;/b&gt; as in the upstream trace.&lt;br&gt;&lt;b&gt;Outputs&lt;/b&gt;: traced pipes and nodes with pn_start, pn_dist (m), pn_order, and pn_on_path = 1 on the shortest path from the start to each outlet reached; the OUTLETS result lists the outlets.&lt;br&gt;&lt;br&gt;下游追踪：沿水流方向从起始节点追踪至出口。输出含起点编号、网络距离（米）、级序，pn_on_path = 1 表示位于通往出口的最短路径上；OUTLETS 列出到达的出口。</source>
      <translation>下游追踪：沿水流方向从起始节点追踪至出口。输出含起点编号、网络距离（米）、级序，pn_on_path = 1 表示位于通往出口的最短路径上；OUTLETS 列出到达的出口。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/export_swmm.py" line="23" />
      <source>Export to SWMM (.inp)</source>
      <translation>导出为 SWMM 模型（.inp）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/export_swmm.py" line="26" />
      <source>Writes the storm (and combined) network as an EPA SWMM 5 model in metres and m³/s: junctions with invert and depth to the ground, outfalls (ends with no pipe out), circular conduits with length, Manning n from the material and offsets from the inverts, sub-catchments (polygons or Thiessen, % impervious from ψ) and a rain gauge with a Chicago design storm from the city's formula. Coordinates are the working CRS (metres). What had to be assumed is logged. pipenet:importswmm reads the file back.&lt;br&gt;&lt;br&gt;导出 SWMM 模型：将雨水管网连同子汇水区与芝加哥设计暴雨写为 EPA SWMM 5 的 .inp 文件。</source>
      <translation>导出 SWMM 模型：将雨水管网连同子汇水区与芝加哥设计暴雨写为 EPA SWMM 5 的 .inp 文件。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/export_swmm.py" line="57" />
      <source>{} junctions, {} outfalls, {} conduits, {} sub-catchments; coordinates in {}.</source>
      <translation>{} 个节点，{} 个排放口，{} 条管渠，{} 个子汇水区；坐标系 {}。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/export_swmm.py" line="41" />
      <source>SWMM model (.inp)</source>
      <translation>SWMM 模型（.inp）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/export_swmm.py" line="42" />
      <source>Conduits written</source>
      <translation>已写出管渠数</translation>
    </message>
    <message>
      <location filename="processing/algorithms/export_swmm.py" line="42" />
      <source>Sub-catchments</source>
      <translation>子汇水区</translation>
    </message>
    <message>
      <location filename="processing/algorithms/export_swmm.py" line="60" />
      <source>the input's units</source>
      <translation>输入数据的单位</translation>
    </message>
    <message>
      <location filename="processing/algorithms/hotspots.py" line="29" />
      <source>Breakage and overflow hotspots</source>
      <translation>破损与溢流热点</translation>
    </message>
    <message>
      <location filename="processing/algorithms/hotspots.py" line="32" />
      <source>Finds hotspots along the pipes, with distances measured along the network: pipes are cut into short pieces, events are put on their piece (defects by pipe id and distance, or points snapped to the nearest pipe), then a quartic kernel density (per km) and the Getis-Ord Gi* statistic with network-distance neighbours give each pipe a z-score, p-value and class (hot 99/95/90 %, not significant, cold).&lt;br&gt;&lt;b&gt;Defects&lt;/b&gt; give breakage hotspots (weighted by grade); &lt;b&gt;events&lt;/b&gt; (overflow / waterlogging points, weighted by volume if asked) give overflow hotspots. &lt;b&gt;Weight by consequence&lt;/b&gt;: multiply by diameter or by upstream length served.&lt;br&gt;&lt;br&gt;破损与溢流热点：沿管网距离计算核密度和 Getis-Ord Gi* 统计量，给出每条管段的 z 值、p 值和热点等级；可按管径或上游服务管长加权。</source>
      <translation>破损与溢流热点：沿管网距离计算核密度和 Getis-Ord Gi* 统计量，给出每条管段的 z 值、p 值和热点等级；可按管径或上游服务管长加权。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/hotspots.py" line="59" />
      <source>Pipes with hotspot scores</source>
      <translation>含热点评分的管段</translation>
    </message>
    <message>
      <location filename="processing/algorithms/hotspots.py" line="46" />
      <source>CCTV defects (optional)</source>
      <translation>CCTV 检测缺陷（可选）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/hotspots.py" line="48" />
      <source>Overflow / waterlogging events (optional)</source>
      <translation>溢流/积水事件（可选）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/hotspots.py" line="51" />
      <source>Kernel bandwidth and Gi* neighbour distance along the network (metres)</source>
      <translation>核密度带宽及 Gi* 沿管网邻域距离（米）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/hotspots.py" line="54" />
      <source>Piece length (metres)</source>
      <translation>分段长度（米）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/hotspots.py" line="57" />
      <source>Weight by consequence</source>
      <translation>按后果加权</translation>
    </message>
    <message>
      <location filename="processing/algorithms/hotspots.py" line="60" />
      <source>Breakage hotspot pipes</source>
      <translation>破损热点管段</translation>
    </message>
    <message>
      <location filename="processing/algorithms/hotspots.py" line="61" />
      <source>Overflow hotspot pipes</source>
      <translation>溢流热点管段</translation>
    </message>
    <message>
      <location filename="processing/algorithms/hotspots.py" line="58" />
      <source>Diameter</source>
      <translation>管径</translation>
    </message>
    <message>
      <location filename="processing/algorithms/hotspots.py" line="58" />
      <source>Upstream length served</source>
      <translation>上游服务管长</translation>
    </message>
    <message>
      <location filename="processing/algorithms/hydraulic_checks.py" line="21" />
      <source>Hydraulic consistency checks</source>
      <translation>水力一致性检查</translation>
    </message>
    <message>
      <location filename="processing/algorithms/hydraulic_checks.py" line="24" />
      <source>Checks gravity pipes (storm, sanitary, combined): &lt;b&gt;reverse_slope&lt;/b&gt; (recorded downstream end higher than the upstream end), &lt;b&gt;flat_slope&lt;/b&gt; (below the minimum slope, ‰), &lt;b&gt;diameter_decrease&lt;/b&gt; (a larger pipe discharging into a smaller one), &lt;b&gt;outlet_above_inlet&lt;/b&gt; (outgoing invert above the lowest incoming invert, beyond the step tolerance), &lt;b&gt;implausible_depth&lt;/b&gt; (ground − invert over the maximum), &lt;b&gt;cycle&lt;/b&gt; (flow loops), &lt;b&gt;multiple_outlets&lt;/b&gt; (manholes with more than one outgoing pipe) and &lt;b&gt;missing_invert&lt;/b&gt; (once per pipe, or once for a layer with no inverts at all). Output: findings.&lt;br&gt;&lt;br&gt;水力一致性检查（重力流管道）：逆坡、小于最小坡度、管径沿下游变小、出水管底高于进水管底、埋深不合理、环流、一井多出口、缺少管底高程。</source>
      <translation>水力一致性检查（重力流管道）：逆坡、小于最小坡度、管径沿下游变小、出水管底高于进水管底、埋深不合理、环流、一井多出口、缺少管底高程。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/hydraulic_checks.py" line="46" />
      <source>Hydraulic findings</source>
      <translation>水力问题点</translation>
    </message>
    <message>
      <location filename="processing/algorithms/hydraulic_checks.py" line="40" />
      <source>Minimum slope (‰)</source>
      <translation>最小坡度（‰）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/hydraulic_checks.py" line="41" />
      <source>Invert step tolerance at manholes (metres)</source>
      <translation>检查井处管底高差容差（米）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/hydraulic_checks.py" line="42" />
      <source>Diameter decrease tolerance (mm)</source>
      <translation>管径变小容差（毫米）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/hydraulic_checks.py" line="43" />
      <source>Maximum depth (metres)</source>
      <translation>最大埋深（米）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/illicit_connections.py" line="23" />
      <source>Illicit connections (雨污混接)</source>
      <translation>雨污混接检查</translation>
    </message>
    <message>
      <location filename="processing/algorithms/illicit_connections.py" line="26" />
      <source>Finds storm/sewer cross-connections:&lt;br&gt;1. &lt;b&gt;cross_connection&lt;/b&gt;: a pipe of one system discharging into a node or pipe of another, classed sanitary→storm, storm→sanitary, with combined, with water supply.&lt;br&gt;2. &lt;b&gt;sewage_to_storm_outfall&lt;/b&gt;: the connection through which sanitary pipes reach a storm outfall (direct discharge), with the outfall and the sanitary length behind it; &lt;b&gt;storm_to_plant&lt;/b&gt;: storm pipes reaching a treatment plant.&lt;br&gt;3. &lt;b&gt;inlet_on_sanitary&lt;/b&gt;: catch basins / inlets on (or within the evidence distance of) a sanitary pipe; &lt;b&gt;sanitary_near_storm&lt;/b&gt;: sanitary manholes within the evidence distance of a storm pipe they do not join.&lt;br&gt;Output: findings in the PipeNet schema; counts per class in the results.&lt;br&gt;&lt;br&gt;雨污混接检查：1. 跨系统连接（污水接入雨水、雨水接入污水、与合流管/给水管连接）；2. 污水经雨水排放口直排、雨水进入污水厂，指出需整改的接口及到达的出口；3. 雨水口接入污水管、污水检查井邻近雨水管等现场证据。</source>
      <translation>雨污混接检查：1. 跨系统连接（污水接入雨水、雨水接入污水、与合流管/给水管连接）；2. 污水经雨水排放口直排、雨水进入污水厂，指出需整改的接口及到达的出口；3. 雨水口接入污水管、污水检查井邻近雨水管等现场证据。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/illicit_connections.py" line="45" />
      <source>Illicit connection findings</source>
      <translation>雨污混接问题点</translation>
    </message>
    <message>
      <location filename="processing/algorithms/illicit_connections.py" line="43" />
      <source>Evidence distance for inlets and manholes (metres)</source>
      <translation>雨水口与检查井证据距离（米）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/illicit_connections.py" line="46" />
      <source>Sanitary→storm connections</source>
      <translation>污水接入雨水</translation>
    </message>
    <message>
      <location filename="processing/algorithms/illicit_connections.py" line="47" />
      <source>Storm→sanitary connections</source>
      <translation>雨水接入污水</translation>
    </message>
    <message>
      <location filename="processing/algorithms/illicit_connections.py" line="48" />
      <source>Connections with combined sewers</source>
      <translation>与合流管连接</translation>
    </message>
    <message>
      <location filename="processing/algorithms/illicit_connections.py" line="49" />
      <source>Connections with water supply</source>
      <translation>与给水管连接</translation>
    </message>
    <message>
      <location filename="processing/algorithms/illicit_connections.py" line="50" />
      <source>Connections sending sewage to a storm outfall</source>
      <translation>致污水经雨水排放口直排的接口</translation>
    </message>
    <message>
      <location filename="processing/algorithms/illicit_connections.py" line="51" />
      <source>Inlets on sanitary pipes</source>
      <translation>接入污水管的雨水口</translation>
    </message>
    <message>
      <location filename="processing/algorithms/import_epanet.py" line="25" />
      <source>Import EPANET model (.inp)</source>
      <translation>导入 EPANET 模型（.inp）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/import_epanet.py" line="28" />
      <source>Reads an EPANET .inp file into a water-supply pipes layer (pipes and pumps with length, diameter in mm, roughness, status) and a nodes layer (junctions with elevation and demand, tanks, reservoirs). Each valve becomes a node of type valve between two short connector links, so pipenet:valveisolation can close it. US units are converted.&lt;br&gt;&lt;br&gt;导入 EPANET 给水模型：生成管段图层（管道、泵）和节点图层（节点、水池、水库）；阀门转为阀门节点，可直接用于爆管关阀分析。</source>
      <translation>导入 EPANET 给水模型：生成管段图层（管道、泵）和节点图层（节点、水池、水库）；阀门转为阀门节点，可直接用于爆管关阀分析。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/import_survey.py" line="38" />
      <source>Import pipeline survey tables (管线点/管线段成果表)</source>
      <translation>导入管线探测成果表（管线点/管线段成果表）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/import_survey.py" line="41" />
      <source>Reads the point table (物探点号, X/Y or 纵坐标/横坐标, 地面高程, 特征, 附属物, 井底高程 ...) and the segment table (起点点号, 终点点号 or 连接点号, 起点埋深, 终点埋深, 管径 incl. 1200×800, 材质, 敷设年代 ...) as CSV or XLSX, UTF-8 or GBK, and writes a nodes layer and a pipes layer with every column kept. &lt;b&gt;Coordinate order&lt;/b&gt;: auto (纵坐标 = northing; plain X/Y decided from the values), X is easting, or X is northing (surveying convention). Rows that cannot be used (missing or duplicate point ids, coordinates that are not numbers, segments naming unknown points) are listed row by row in the report table; nothing is dropped silently.&lt;br&gt;&lt;br&gt;导入管线点成果表和管线段成果表（CSV/XLSX，UTF-8/GBK）：生成节点和管段图层，保留全部字段；可选坐标次序（测量坐标系 X 为北坐标）；无法使用的行逐行列入报告表。</source>
      <translation>导入管线点成果表和管线段成果表（CSV/XLSX，UTF-8/GBK）：生成节点和管段图层，保留全部字段；可选坐标次序（测量坐标系 X 为北坐标）；无法使用的行逐行列入报告表。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/import_survey.py" line="61" />
      <source>Survey pipes</source>
      <translation>探测管段</translation>
    </message>
    <message>
      <location filename="processing/algorithms/import_survey.py" line="62" />
      <source>Survey points</source>
      <translation>探测管线点</translation>
    </message>
    <message>
      <location filename="processing/algorithms/import_survey.py" line="63" />
      <source>Rows not used</source>
      <translation>未使用的行</translation>
    </message>
    <message>
      <location filename="processing/algorithms/import_survey.py" line="53" />
      <source>Point table (管线点成果表, CSV/XLSX)</source>
      <translation>管线点成果表（CSV/XLSX）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/import_survey.py" line="54" />
      <source>Segment table (管线段成果表, CSV/XLSX)</source>
      <translation>管线段成果表（CSV/XLSX）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/import_survey.py" line="56" />
      <source>Coordinate order</source>
      <translation>坐标次序</translation>
    </message>
    <message>
      <location filename="processing/algorithms/import_survey.py" line="59" />
      <source>Text encoding of CSV files (empty = detect UTF-8/GBK)</source>
      <translation>CSV 文件编码（留空则自动识别 UTF-8/GBK）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/import_survey.py" line="60" />
      <source>Coordinate reference system</source>
      <translation>坐标参考系</translation>
    </message>
    <message>
      <location filename="processing/algorithms/import_survey.py" line="75" />
      <source>X holds northings (surveying convention): coordinates swapped.</source>
      <translation>X 为北坐标（测量坐标系约定）：已交换坐标。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/import_survey.py" line="57" />
      <source>Automatic</source>
      <translation>自动</translation>
    </message>
    <message>
      <location filename="processing/algorithms/import_survey.py" line="57" />
      <source>X is easting</source>
      <translation>X 为东坐标</translation>
    </message>
    <message>
      <location filename="processing/algorithms/import_survey.py" line="57" />
      <source>X is northing (surveying)</source>
      <translation>X 为北坐标（测量坐标系）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/import_survey.py" line="90" />
      <source>{} points, {} segments, {} rows not used</source>
      <translation>{} 个管线点，{} 条管段，{} 行未使用</translation>
    </message>
    <message>
      <location filename="processing/algorithms/import_swmm.py" line="25" />
      <source>Import EPA SWMM model (.inp)</source>
      <translation>导入 EPA SWMM 模型（.inp）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/import_swmm.py" line="28" />
      <source>Reads an EPA SWMM 5 .inp file into a pipes layer (conduits, pumps, orifices, weirs, outlets: geometry from [COORDINATES] and [VERTICES], diameter/height in mm from [XSECTIONS], inverts from node inverts plus offsets in DEPTH or ELEVATION mode, length, roughness) and a nodes layer (junctions, outfalls, storage, dividers; ground = invert + max depth). US units are converted to metres. &lt;b&gt;CRS&lt;/b&gt;: the model's coordinate system (empty = unknown, kept planar). The outputs feed pipenet:buildnetwork directly.&lt;br&gt;&lt;br&gt;导入 EPA SWMM 模型：生成管段图层（管道、泵、孔口、堰、出口，含管径、管底高程、长度、糙率）和节点图层（检查井、排放口、调蓄池、分流井；地面高程 = 井底 + 最大水深）。</source>
      <translation>导入 EPA SWMM 模型：生成管段图层（管道、泵、孔口、堰、出口，含管径、管底高程、长度、糙率）和节点图层（检查井、排放口、调蓄池、分流井；地面高程 = 井底 + 最大水深）。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/network_audit.py" line="104" />
      <source>Network audit (all checks, hotspots, risk)</source>
      <translation>管网体检（全部检查、热点、风险）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/network_audit.py" line="107" />
      <source>The main job in one run: builds the network and runs the topology, connectivity, hydraulic and illicit-connection checks; with CCTV &lt;b&gt;defects&lt;/b&gt; (CJJ 181 or PACP codes; a pipe id field or points near the pipes) it scores every pipe's condition and finds breakage hotspots; with overflow / waterlogging &lt;b&gt;events&lt;/b&gt; (points) it finds overflow hotspots (network kernel density and Getis-Ord Gi* with network-distance neighbours); then ranks every pipe in a risk register (likelihood from condition, age, material and defects × consequence from diameter, upstream length served and system); with &lt;b&gt;sensors&lt;/b&gt; and their &lt;b&gt;readings&lt;/b&gt; it runs the sensor monitor (pipenet:sensormonitor) too: its alarms are written as the alarms layer and those still active raise the likelihood of the pipes they point at.&lt;br&gt;&lt;b&gt;Output folder&lt;/b&gt; receives: pipenet_audit.gpkg (pipes with every score, nodes, findings, events, alarms), pipenet_audit.qgz (styled project opening on the network), overview.png (map with legend, scale bar, north arrow), risk_register.csv, summary.json and summary.html (counts per finding type, top risk pipes).&lt;br&gt;&lt;br&gt;管网体检（一键运行）：构建管网并完成拓扑、连通性、水力和雨污混接检查；提供检测缺陷时按 CJJ 181/PACP 评分并识别破损热点；提供溢流/积水事件时识别溢流热点；提供传感器及监测数据时运行传感器监测，报警写入 alarms 图层，仍在持续的报警提高所指管段的失效可能性；最后生成风险清单。输出文件夹包含 GeoPackage、已配置样式的 QGIS 工程、概览图 PNG、风险清单 CSV 及汇总（JSON/HTML）。</source>
      <translation>管网体检（一键运行）：构建管网并完成拓扑、连通性、水力和雨污混接检查；提供检测缺陷时按 CJJ 181/PACP 评分并识别破损热点；提供溢流/积水事件时识别溢流热点；提供传感器及监测数据时运行传感器监测，报警写入 alarms 图层，仍在持续的报警提高所指管段的失效可能性；最后生成风险清单。输出文件夹包含 GeoPackage、已配置样式的 QGIS 工程、概览图 PNG、风险清单 CSV 及汇总（JSON/HTML）。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/network_audit.py" line="129" />
      <source>CCTV defects (points or table, optional)</source>
      <translation>CCTV 检测缺陷（点或表，可选）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/network_audit.py" line="131" />
      <source>Overflow / waterlogging events (points, optional)</source>
      <translation>溢流/积水事件（点，可选）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/network_audit.py" line="134" />
      <source>Sensors (points or table, optional; with readings: monitoring alarms)</source>
      <translation>传感器（点或表，可选；与监测数据一起时生成监测报警）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/network_audit.py" line="137" />
      <source>Sensor readings file (CSV or Excel, optional)</source>
      <translation>传感器监测数据文件（CSV 或 Excel，可选）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/network_audit.py" line="139" />
      <source>Or sensor readings table (optional)</source>
      <translation>或传感器监测数据表（可选）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/network_audit.py" line="142" />
      <source>Hotspot bandwidth and neighbour distance along the network (metres)</source>
      <translation>热点带宽及沿管网邻域距离（米）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/network_audit.py" line="144" />
      <source>Output folder</source>
      <translation>输出文件夹</translation>
    </message>
    <message>
      <location filename="processing/algorithms/network_audit.py" line="145" />
      <source>GeoPackage</source>
      <translation>GeoPackage 数据库</translation>
    </message>
    <message>
      <location filename="processing/algorithms/network_audit.py" line="145" />
      <source>QGIS project</source>
      <translation>QGIS 工程</translation>
    </message>
    <message>
      <location filename="processing/algorithms/network_audit.py" line="146" />
      <source>Overview map</source>
      <translation>概览图</translation>
    </message>
    <message>
      <location filename="processing/algorithms/network_audit.py" line="146" />
      <source>Summary page</source>
      <translation>汇总页</translation>
    </message>
    <message>
      <location filename="processing/algorithms/network_audit.py" line="147" />
      <source>Risk register</source>
      <translation>风险清单</translation>
    </message>
    <message>
      <location filename="processing/algorithms/network_audit.py" line="285" />
      <source>Readings were given without SENSORS: give the sensors too.</source>
      <translation>提供了监测数据但未提供传感器（SENSORS）：请同时提供传感器。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/network_audit.py" line="343" />
      <source>Cancelled by the user.</source>
      <translation>用户已取消。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/network_audit.py" line="204" />
      <source>PipeNet network audit: {} pipes, {:.0f} km</source>
      <translation>PipeNet 管网体检：{} 条管段，{:.0f} 公里</translation>
    </message>
    <message>
      <location filename="processing/algorithms/network_audit.py" line="232" />
      <source>Audit written to {}</source>
      <translation>体检结果已写入 {}</translation>
    </message>
    <message>
      <location filename="processing/algorithms/network_audit.py" line="245" />
      <source>The output folder {} is not writable.</source>
      <translation>输出文件夹 {} 不可写。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/network_audit.py" line="243" />
      <source>Cannot create the output folder {}: {}</source>
      <translation>无法创建输出文件夹 {}：{}</translation>
    </message>
    <message>
      <location filename="processing/algorithms/outfall_sources.py" line="38" />
      <source>Dry-weather outfall: find the source (IDDE)</source>
      <translation>旱天排口溯源（IDDE）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/outfall_sources.py" line="41" />
      <source>For storm outfalls seen flowing in dry weather, traces up the storm network and lists the places where sewage may enter, best first: cross-system connections (score 3), AJ 支管暗接 defects on storm pipes when a defect layer is given (score 2), sanitary manholes within the evidence distance of a storm pipe (score 1); ties go to the larger upstream length.&lt;br&gt;&lt;b&gt;Inspection plan&lt;/b&gt;: the manhole to open first splits the upstream candidate length in two; the next one depends on whether flow is seen there (if_parent = flowing / dry), and so on. EXPECTED_INSPECTIONS is the average number of manholes to open, the source being equally likely anywhere along the pipes.&lt;br&gt;&lt;b&gt;Outfalls&lt;/b&gt;: node ids, or points (nearest node).&lt;br&gt;&lt;b&gt;Defects&lt;/b&gt;: CCTV records with a pipe id field and a defect code field (AJ).&lt;br&gt;&lt;br&gt;旱天排口溯源：从旱天有水的雨水排放口沿雨水管网向上游追踪，按证据列出可能的污水来源（跨系统连接、支管暗接 AJ 缺陷、邻近雨水管的污水井），并给出二分法开井排查计划：每次开井将剩余可疑管长减半，根据是否见水决定下一口井；给出期望开井次数。</source>
      <translation>旱天排口溯源：从旱天有水的雨水排放口沿雨水管网向上游追踪，按证据列出可能的污水来源（跨系统连接、支管暗接 AJ 缺陷、邻近雨水管的污水井），并给出二分法开井排查计划：每次开井将剩余可疑管长减半，根据是否见水决定下一口井；给出期望开井次数。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/outfall_sources.py" line="73" />
      <source>Candidate sources</source>
      <translation>可疑来源</translation>
    </message>
    <message>
      <location filename="processing/algorithms/outfall_sources.py" line="74" />
      <source>Inspection plan</source>
      <translation>开井排查计划</translation>
    </message>
    <message>
      <location filename="processing/algorithms/outfall_sources.py" line="75" />
      <source>Storm pipes upstream</source>
      <translation>上游雨水管段</translation>
    </message>
    <message>
      <location filename="processing/algorithms/outfall_sources.py" line="58" />
      <source>Outfalls flowing in dry weather (node ids)</source>
      <translation>旱天有水的排放口（节点编号）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/outfall_sources.py" line="60" />
      <source>Or outfall points</source>
      <translation>或排放口点图层</translation>
    </message>
    <message>
      <location filename="processing/algorithms/outfall_sources.py" line="62" />
      <source>Largest distance from an outfall point to its node (metres)</source>
      <translation>排放口点到节点的最大距离（米）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/outfall_sources.py" line="67" />
      <source>Defect pipe id field</source>
      <translation>缺陷所属管段编号字段</translation>
    </message>
    <message>
      <location filename="processing/algorithms/outfall_sources.py" line="69" />
      <source>Defect code field</source>
      <translation>缺陷代码字段</translation>
    </message>
    <message>
      <location filename="processing/algorithms/outfall_sources.py" line="71" />
      <source>Sanitary manhole evidence distance (metres)</source>
      <translation>污水检查井证据距离（米）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/outfall_sources.py" line="77" />
      <source>Expected inspections</source>
      <translation>期望开井次数</translation>
    </message>
    <message>
      <location filename="processing/algorithms/outfall_sources.py" line="78" />
      <source>Manhole to open first</source>
      <translation>首先开启的检查井</translation>
    </message>
    <message>
      <location filename="processing/algorithms/outfall_sources.py" line="100" />
      <source>Outfall {}: {:.0f} m of storm pipe upstream, {} candidates, {} inspections expected</source>
      <translation>排放口 {}：上游雨水管 {:.0f} 米，可疑来源 {} 处，期望开井 {} 次</translation>
    </message>
    <message>
      <location filename="processing/algorithms/outfall_sources.py" line="126" />
      <source>Layer DEFECTS: set DEFECT_PIPE_FIELD and DEFECT_CODE_FIELD (fields: {}).</source>
      <translation>缺陷图层：请设置管段编号字段和缺陷代码字段（现有字段：{}）。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/risk_register.py" line="20" />
      <source>Weight of condition grade (likelihood)</source>
      <translation>结构等级权重（可能性）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/risk_register.py" line="21" />
      <source>Weight of age (likelihood)</source>
      <translation>管龄权重（可能性）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/risk_register.py" line="22" />
      <source>Weight of material (likelihood)</source>
      <translation>材质权重（可能性）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/risk_register.py" line="23" />
      <source>Weight of defect count (likelihood)</source>
      <translation>缺陷数量权重（可能性）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/risk_register.py" line="24" />
      <source>Weight of diameter (consequence)</source>
      <translation>管径权重（后果）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/risk_register.py" line="25" />
      <source>Weight of upstream length served (consequence)</source>
      <translation>上游服务管长权重（后果）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/risk_register.py" line="26" />
      <source>Weight of system (consequence)</source>
      <translation>管网类别权重（后果）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/risk_register.py" line="27" />
      <source>Service life (years)</source>
      <translation>设计使用年限（年）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/risk_register.py" line="28" />
      <source>Current year</source>
      <translation>当前年份</translation>
    </message>
    <message>
      <location filename="processing/algorithms/risk_register.py" line="40" />
      <source>Risk register (风险清单)</source>
      <translation>风险清单</translation>
    </message>
    <message>
      <location filename="processing/algorithms/risk_register.py" line="43" />
      <source>Ranks every pipe by risk = likelihood of failure × consequence of failure (each 1-5). Likelihood weighs the CJJ 181 structural grade (from the optional CCTV defects), age against the service life, material and the number of defects; consequence weighs diameter, the pipe length upstream that the pipe serves, and the system (sewage and combined above storm). Missing data count as average, never as good. Classes: low &lt; 5 ≤ medium &lt; 10 ≤ high &lt; 16 ≤ very high. The weights are advanced parameters; defaults: likelihood 0.5 condition, 0.25 age, 0.1 material, 0.15 defects; consequence 0.4 diameter, 0.4 upstream, 0.2 system.&lt;br&gt;&lt;b&gt;Outputs&lt;/b&gt;: pipes with pn_lof, pn_cof, pn_risk, pn_risk_cls, pn_reasons, and a ranked CSV a manager can open.&lt;br&gt;&lt;br&gt;风险清单：风险 = 失效可能性 × 失效后果（各 1-5 分）。可能性综合结构等级、管龄、材质和缺陷数量；后果综合管径、上游服务管长和管网类别；缺失数据按平均值计。输出含风险等级的管段图层和排序后的 CSV。</source>
      <translation>风险清单：风险 = 失效可能性 × 失效后果（各 1-5 分）。可能性综合结构等级、管龄、材质和缺陷数量；后果综合管径、上游服务管长和管网类别；缺失数据按平均值计。输出含风险等级的管段图层和排序后的 CSV。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/risk_register.py" line="64" />
      <source>Pipes with risk</source>
      <translation>含风险等级的管段</translation>
    </message>
    <message>
      <location filename="processing/algorithms/risk_register.py" line="66" />
      <source>Risk register (CSV)</source>
      <translation>风险清单（CSV）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/risk_register.py" line="67" />
      <source>High and very high risk pipes</source>
      <translation>高及极高风险管段</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sample_network.py" line="28" />
      <source>Generate sample county network</source>
      <translation>生成示例县域管网</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sample_network.py" line="31" />
      <source>Writes a deterministic (seeded) sample network into one GeoPackage in CGCS2000 / 3-degree Gauss-Krüger CM 120E (EPSG:4549): storm (YS), sanitary (WS) and some combined (HS) sewers as dendritic catchments of 30-70 m pipes draining to outfalls, pump stations and a treatment plant, with diameters growing downstream, materials, install years, ground levels and inverts. Layers: pipes, nodes, defects (CCTV, CJJ 181 codes and grades, clustered into breakage hotspots), events (overflows clustered at bottlenecks) and truth (every injected fault with the PipeNet check that must find it: near misses, small gaps, dangles, duplicates, reverse slopes, diameter decreases, sanitary→storm and storm→sanitary connections, dry-weather outfalls and their sources).&lt;br&gt;&lt;b&gt;KM&lt;/b&gt;: size in kilometres of pipe (1180 = a county).&lt;br&gt;&lt;b&gt;Chinese field names&lt;/b&gt;: 管线编号, 起点点号, 管径 ... instead of pipe_id, from_node ...&lt;br&gt;&lt;br&gt;生成示例县域管网（GeoPackage，EPSG:4549）：雨水、污水及部分合流管网，含检测缺陷、溢流事件和注入错误的真值表，可用于演示与测试。</source>
      <translation>生成示例县域管网（GeoPackage，EPSG:4549）：雨水、污水及部分合流管网，含检测缺陷、溢流事件和注入错误的真值表，可用于演示与测试。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sample_network.py" line="46" />
      <source>Size (km of pipe)</source>
      <translation>规模（管线公里数）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sample_network.py" line="48" />
      <source>Random seed</source>
      <translation>随机种子</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sample_network.py" line="50" />
      <source>Chinese field names</source>
      <translation>使用中文字段名</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sample_network.py" line="51" />
      <source>Sample GeoPackage</source>
      <translation>示例 GeoPackage</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sample_network.py" line="54" />
      <source>Length (km)</source>
      <translation>长度（公里）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sample_network.py" line="55" />
      <source>Injected faults</source>
      <translation>注入的错误</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sample_network.py" line="78" />
      <source>{} pipes, {:.1f} km, {} injected faults</source>
      <translation>{} 条管段，{:.1f} 公里，注入错误 {} 处</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sample_network.py" line="77" />
      <source>Cannot write {}: {}</source>
      <translation>无法写入 {}：{}</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sample_sensors.py" line="26" />
      <source>Generate sample sensor readings</source>
      <translation>生成示例传感器数据</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sample_sensors.py" line="29" />
      <source>Writes into a folder: network.gpkg (the sample network's pipes and nodes and a sensors layer), readings.csv (5-minute readings, one column per sensor, as a SCADA export) and truth.csv (every event the monitor must find): diurnal dry-weather flow, rain events, a partial blockage in a named sewer, an illicit dry-weather inflow into the storm system and sensor faults (gap, flat line, spikes, error codes).&lt;br&gt;&lt;br&gt;生成示例监测数据：示例管网、传感器、5 分钟读数（SCADA 宽表）和注入事件真值表（旱天流量、降雨、管道部分堵塞、雨水管偷排、传感器故障）。</source>
      <translation>生成示例监测数据：示例管网、传感器、5 分钟读数（SCADA 宽表）和注入事件真值表（旱天流量、降雨、管道部分堵塞、雨水管偷排、传感器故障）。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sample_sensors.py" line="38" />
      <source>Network size (km of pipe)</source>
      <translation>写入文件夹：network.gpkg（示例管网的管段、节点和传感器图层）、readings.csv（5 分钟读数，每个传感器一列，同 SCADA 导出）和 truth.csv（监测必须发现的每个事件）：旱天流量、降雨、指定污水管部分堵塞、雨水系统旱天偷排和传感器故障（缺失、恒值、尖峰、错误代码）。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sample_sensors.py" line="42" />
      <source>Days of readings</source>
      <translation>数据天数</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sample_sensors.py" line="45" />
      <source>Network GeoPackage</source>
      <translation>管网 GeoPackage</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sample_sensors.py" line="46" />
      <source>Readings (CSV)</source>
      <translation>读数（CSV）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sample_sensors.py" line="47" />
      <source>Truth table (CSV)</source>
      <translation>真值表（CSV）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sample_sensors.py" line="48" />
      <source>Events in the truth table</source>
      <translation>真值表事件数</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sample_sensors.py" line="56" />
      <source>{} sensors, {} readings, {} truth rows; blocked pipe {}</source>
      <translation>{} 个传感器，{} 条读数，{} 条真值；堵塞管段 {}</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sensor_monitor.py" line="29" />
      <source>Largest distance from a sensor point to its node (metres)</source>
      <translation>传感器点到其节点的最大距离（米）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sensor_monitor.py" line="30" />
      <source>High level: freeboard below the ground (metres)</source>
      <translation>高水位：距地面的安全超高（米）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sensor_monitor.py" line="31" />
      <source>Dry-weather envelope: k x robust spread</source>
      <translation>旱天包络线：k × 稳健离散度</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sensor_monitor.py" line="32" />
      <source>Gap: missing readings for (minutes)</source>
      <translation>数据缺失：连续无数据时长（分钟）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sensor_monitor.py" line="33" />
      <source>Flat line: the same reading for (minutes)</source>
      <translation>读数不变：同一读数持续时长（分钟）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sensor_monitor.py" line="34" />
      <source>Anomaly: outside the envelope for (minutes)</source>
      <translation>异常：超出包络线持续时长（分钟）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sensor_monitor.py" line="35" />
      <source>Dry day: at most this rain (mm)</source>
      <translation>旱天：日降雨量不超过（毫米）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sensor_monitor.py" line="36" />
      <source>Dry-weather flow in a storm pipe: depth above (metres)</source>
      <translation>雨水管旱天有水：水深超过（米）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sensor_monitor.py" line="37" />
      <source>Inflow/infiltration: alarm at R (share of the rain reaching the sewer) of</source>
      <translation>外水入流入渗：R（进入污水管的降雨比例）达到此值时报警</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sensor_monitor.py" line="39" />
      <source>Inflow/infiltration without sub-catchments: catchment width per metre of upstream pipe (metres)</source>
      <translation>无汇水分区时的外水入流入渗：每米上游管道对应的汇水宽度（米）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sensor_monitor.py" line="52" />
      <source>Monitor sensors: quality control and alarms</source>
      <translation>传感器监测：质量控制与报警</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sensor_monitor.py" line="55" />
      <source>Reads sensor readings (CSV/Excel path or a table layer, e.g. from PostgreSQL; long: sensor_id, time, value[, quality], or wide: a time column and one column per sensor) and sensors (points or a table with sensor_id, kind = level/flow/velocity/rain, node_id or pipe_id, datum, offset), places the sensors on the network and raises alarms: sensor faults (gap, flat line, spike, out of range), high level (within the freeboard of the ground), surcharge (above the pipe crown), dry-weather anomaly (outside median ± k·MAD of its time-of-day slot on dry days), blockage (a gauge rises while the next one downstream does not; candidate pipes between them), dry-weather flow in storm pipes and inflow/infiltration per flow meter (R: the share of the rain on its upstream sub-catchments, or upstream pipe length x a width, reaching the sewer). Flow readings in L/s. See docs/monitoring.md.&lt;br&gt;&lt;br&gt;传感器监测：读取液位、流量、流速和雨量数据，进行数据质量控制（缺失、恒值、尖峰、越限），并报警：高水位、管道超载、旱天异常、疑似堵塞（给出可疑管段）、雨水管旱天有水、流量计上游外水入流入渗（R 值）。</source>
      <translation>传感器监测：读取液位、流量、流速和雨量数据，进行数据质量控制（缺失、恒值、尖峰、越限），并报警：高水位、管道超载、旱天异常、疑似堵塞（给出可疑管段）、雨水管旱天有水、流量计上游外水入流入渗（R 值）。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sensor_monitor.py" line="94" />
      <source>Alarms</source>
      <translation>读取传感器读数（CSV/Excel 路径或表图层，如 PostgreSQL；长表：sensor_id、time、value[、quality]，或宽表：时间列加每个传感器一列）和传感器（点或表：sensor_id、kind = level/flow/velocity/rain、node_id 或 pipe_id、datum、offset），将传感器关联到管网并报警：传感器故障（缺失、恒值、尖峰、越限）、高水位（距地面不足安全超高）、管道超载（高于管顶）、旱天异常（旱天超出同时段中位数 ± k·MAD）、疑似堵塞（上游水位上升而下游未上升，给出两者之间的可疑管段）、雨水管旱天有水。详见 docs/monitoring.md。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sensor_monitor.py" line="95" />
      <source>QC intervals</source>
      <translation>质控区间</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sensor_monitor.py" line="72" />
      <source>Sensors (points or table)</source>
      <translation>传感器（点图层或表）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sensor_monitor.py" line="74" />
      <source>Rain gauges (points or table with sensor_id; optional, beside SENSORS)</source>
      <translation>雨量计（点图层或含 sensor_id 的表；可选，与 SENSORS 并用）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sensor_monitor.py" line="77" />
      <source>Readings file (CSV or Excel)</source>
      <translation>读数文件（CSV 或 Excel）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sensor_monitor.py" line="79" />
      <source>Or readings table</source>
      <translation>或读数表</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sensor_monitor.py" line="81" />
      <source>Sub-catchments for inflow/infiltration (polygons; empty: upstream pipe length)</source>
      <translation>外水入流入渗所用汇水分区（面；为空时按上游管长估算）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sensor_monitor.py" line="84" />
      <source>Node each sub-catchment drains to (empty: the nearest node)</source>
      <translation>各汇水分区排入的节点（为空时取最近节点）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sensor_monitor.py" line="86" />
      <source>Start (e.g. 2024-06-01)</source>
      <translation>开始时间（如 2024-06-01）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sensor_monitor.py" line="87" />
      <source>End (e.g. 2024-06-30 23:55)</source>
      <translation>结束时间（如 2024-06-30 23:55）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sensor_monitor.py" line="89" />
      <source>Only alarms still on in the last hours of the readings (0: every alarm)</source>
      <translation>只输出监测数据最后若干小时内仍在持续的报警（小时数；0 表示全部报警）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sensor_monitor.py" line="97" />
      <source>Plots and summary folder</source>
      <translation>图表与汇总文件夹</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sensor_monitor.py" line="146" />
      <source>{} alarms, {} QC intervals</source>
      <translation>{} 条报警，{} 个质控区间</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sensor_monitor.py" line="141" />
      <source>{} alarm plots and the summary written to {}</source>
      <translation>已将 {} 张报警图和汇总写入 {}</translation>
    </message>
    <message>
      <location filename="processing/algorithms/sensor_monitor.py" line="144" />
      <source>{}: inflow/infiltration R = {:.1%} ({:.0f} m3 from {:.1f} mm on {:.2f} ha)</source>
      <translation>{}：外水入流入渗 R = {:.1%}（入流入渗 {:.0f} m³，降雨 {:.1f} mm，汇水面积 {:.2f} ha）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_capacity.py" line="42" />
      <source>Storm capacity (rational method, GB 50014)</source>
      <translation>雨水管渠排水能力（推理公式法，GB 50014）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_capacity.py" line="45" />
      <source>For every storm (and combined) pipe: the design flow Q = ψ·q·F by the rational method of GB 50014-2021 with the city's storm formula q = 167·A1·(1 + C·lg P) / (t + b)^n, the full-pipe capacity by Manning (n from the material, slope from the inverts), the load Q / Q_full and the return period the pipe can carry (pn_capacity_p, years, solved from the formula) with its class (&lt;1, 1-2, 2-3, 3-5, &gt;=5). F is the area of the sub-catchments upstream: a polygon layer, or Thiessen polygons of the storm manholes; ψ from a land-use layer (GB 50014 table) or one coefficient. t = t1 + Σ L/v along the longest path above the pipe. Pipes without inverts are reported, not guessed; areas above 2 km² are flagged. OUTPUT_MAP draws the pipes by class as a PNG map, OUTPUT_PROJECT saves them styled as a QGIS project. See docs/storm-capacity.md.&lt;br&gt;&lt;br&gt;雨水管渠能力评估：按 GB 50014-2021 推理公式法计算每段雨水管的设计流量、满管流量（曼宁公式）、负荷比及可承受的暴雨重现期（由暴雨强度公式反算）并分级；汇水面积取上游子汇水区（给定多边形或检查井泰森多边形），径流系数按用地类型或统一取值；可输出按等级着色的 PNG 地图和 QGIS 工程。</source>
      <translation>雨水管渠能力评估：按 GB 50014-2021 推理公式法计算每段雨水管的设计流量、满管流量（曼宁公式）、负荷比及可承受的暴雨重现期（由暴雨强度公式反算）并分级；汇水面积取上游子汇水区（给定多边形或检查井泰森多边形），径流系数按用地类型或统一取值；可输出按等级着色的 PNG 地图和 QGIS 工程。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_capacity.py" line="69" />
      <source>Pipes with storm capacity</source>
      <translation>带排水能力的管段</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_capacity.py" line="71" />
      <source>Capacity findings</source>
      <translation>排水能力问题</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_capacity.py" line="63" />
      <source>Inlet time t1 (minutes, ground surface to the first manhole)</source>
      <translation>地面集水时间 t1（分钟，地面至首个检查井）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_capacity.py" line="73" />
      <source>Capacity map (PNG)</source>
      <translation>排水能力图（PNG）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_capacity.py" line="76" />
      <source>Styled QGIS project of the capacity map (.qgz; needs the pipes in a file)</source>
      <translation>排水能力地图的 QGIS 工程（.qgz，已配置样式；管段须输出到文件）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_capacity.py" line="78" />
      <source>Storm pipes below the design standard</source>
      <translation>低于设计重现期的雨水管段数</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_capacity.py" line="79" />
      <source>Storm pipes assessed</source>
      <translation>已评估雨水管段数</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_capacity.py" line="119" />
      <source>The capacity map draws OUTPUT_PIPES: give it a destination.</source>
      <translation>排水能力图绘制 OUTPUT_PIPES：请为其指定输出位置。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_capacity.py" line="130" />
      <source>No project written: its pipes layer would be a temporary one. Write OUTPUT_PIPES to a file (e.g. a GeoPackage) for OUTPUT_PROJECT.</source>
      <translation>未写出工程：其管段图层将是临时图层。如需 OUTPUT_PROJECT，请将 OUTPUT_PIPES 输出到文件（如 GeoPackage）。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_capacity.py" line="67" />
      <source>Material -&gt; Manning n table (CSV/JSON; empty: GB 50014 table 5.2.3)</source>
      <translation>材质 → 粗糙系数 n 对照表（CSV/JSON；留空：GB 50014 表 5.2.3）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_capacity.py" line="96" />
      <source>Storm formula {}: q = 167·{:g}·(1 + {:g}·lg P) / (t + {:g})^{:g}; P = {:g} years; {} storm pipes, {} below the standard; {} sub-catchments, {:.1f} ha.</source>
      <translation>暴雨强度公式 {}：q = 167·{:g}·(1 + {:g}·lg P) / (t + {:g})^{:g}；P = {:g} 年；{} 条雨水管段，{} 条低于标准；{} 个子汇水区，{:.1f} 公顷。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_capacity.py" line="111" />
      <source>Storm capacity (GB 50014): {:,} of {:,} storm pipes carry less than P = {:g} years</source>
      <translation>雨水管渠排水能力（GB 50014）：{:,} / {:,} 条雨水管段的排水能力低于 P = {:g} 年一遇</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_capacity.py" line="124" />
      <source>Could not read back the pipes written to {}.</source>
      <translation>无法读回写入 {} 的管段。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_simulation.py" line="61" />
      <source>Storm simulation (SWMM 5 engine)</source>
      <translation>暴雨模拟（SWMM 5 引擎）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_simulation.py" line="64" />
      <source>Exports the storm network (as Export to SWMM does) with a Chicago design storm for each return period of RETURN_PERIODS, or one RAINFALL series (CSV: time in minutes or hh:mm, then mm or mm/h), and runs each through the EPA SWMM 5 engine (swmm-toolkit; `make setup` installs it). In OUTPUT_FOLDER: nodes with flooding volume (m³) and hours per storm and pn_flood_p, the lowest return period at which the node floods (the waterlogging warning); pipes with max Q / Q_full per storm and pn_surcharge_p; outfalls with their volume; the continuity errors; a warning list ranked by flooding volume (CSV, and HTML with the map); a PNG map and a styled QGIS project of the flooded nodes and surcharged pipes. Flooding under MIN_FLOOD_VOLUME is not counted. See docs/storm-capacity.md.&lt;br&gt;&lt;br&gt;暴雨模拟：用 EPA SWMM 5 引擎对各重现期芝加哥雨型（或实测降雨序列）逐一模拟雨水管网，输出检查井溢流量与时长及开始积水的最低重现期（内涝预警）、管段最大流量/满管流量及开始超载的重现期、排放口水量、连续性误差、按溢流量排序的预警清单（CSV 及附地图的 HTML），以及溢流检查井与超载管段的 PNG 地图和 QGIS 工程。</source>
      <translation>暴雨模拟：用 EPA SWMM 5 引擎对各重现期芝加哥雨型（或实测降雨序列）逐一模拟雨水管网，输出检查井溢流量与时长及开始积水的最低重现期（内涝预警）、管段最大流量/满管流量及开始超载的重现期、排放口水量、连续性误差、按溢流量排序的预警清单（CSV 及附地图的 HTML），以及溢流检查井与超载管段的 PNG 地图和 QGIS 工程。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_simulation.py" line="82" />
      <source>Return periods P (years, comma separated)</source>
      <translation>重现期 P（年，逗号分隔）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_simulation.py" line="84" />
      <source>Or: a rainfall series (CSV: time, mm or mm/h) instead of design storms</source>
      <translation>或：以降雨序列（CSV：时间，mm 或 mm/h）代替设计暴雨</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_simulation.py" line="89" />
      <source>Flooding counted from (m³ at a node)</source>
      <translation>计为溢流的最小水量（检查井，m³）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_simulation.py" line="92" />
      <source>Nodes with flooding</source>
      <translation>检查井溢流结果</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_simulation.py" line="93" />
      <source>Pipes with max Q / Q_full</source>
      <translation>管段最大流量/满管流量</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_simulation.py" line="94" />
      <source>Outfalls with overflow volume</source>
      <translation>排放口排水量</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_simulation.py" line="95" />
      <source>Continuity errors (CSV)</source>
      <translation>连续性误差（CSV）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_simulation.py" line="96" />
      <source>Waterlogging warnings (CSV)</source>
      <translation>内涝预警清单（CSV）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_simulation.py" line="97" />
      <source>Waterlogging warnings with the map (HTML)</source>
      <translation>内涝预警及地图（HTML）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_simulation.py" line="98" />
      <source>Map of flooded nodes and surcharged pipes (PNG)</source>
      <translation>溢流检查井与超载管段地图（PNG）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_simulation.py" line="99" />
      <source>Styled QGIS project (.qgz)</source>
      <translation>已配置样式的 QGIS 工程（.qgz）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_simulation.py" line="101" />
      <source>Nodes flooding in the largest storm</source>
      <translation>最大暴雨下溢流的检查井数</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_simulation.py" line="103" />
      <source>Largest flow-routing continuity error (%)</source>
      <translation>最大流量演算连续性误差（%）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_simulation.py" line="118" />
      <source>Drawing the map...</source>
      <translation>正在绘制地图...</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_simulation.py" line="120" />
      <source>the rainfall</source>
      <translation>该降雨</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_simulation.py" line="170" />
      <source>Give one or more positive return periods, e.g. 1,2,3,5,10.</source>
      <translation>请给出一个或多个正的重现期，例如 1,2,3,5,10。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_simulation.py" line="121" />
      <source>the {:g}-year storm</source>
      <translation>{:g} 年一遇暴雨</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_simulation.py" line="124" />
      <source>Storm simulation (EPA SWMM {}): {:,} nodes flood in {}</source>
      <translation>暴雨模拟（EPA SWMM {0}）：{2}下 {1:,} 个检查井溢流</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_simulation.py" line="147" />
      <source>SWMM {}, storm {}: {:.2f} mm; continuity error {:.3f} % (runoff {:.3f} %); {} nodes flood; {:.1f} s.</source>
      <translation>SWMM {}，暴雨 {}：{:.2f} mm；连续性误差 {:.3f} %（产流 {:.3f} %）；{} 个检查井溢流；{:.1f} 秒。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_simulation.py" line="215" />
      <source>Floods in the rainfall</source>
      <translation>该降雨下的积水</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_simulation.py" line="219" />
      <source>At capacity in the rainfall (Q/Q_full &gt;= 1)</source>
      <translation>该降雨下满流（Q/Q_full ≥ 1）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_simulation.py" line="165" />
      <source>Return periods: give numbers separated by commas ({}).</source>
      <translation>重现期：请给出以逗号分隔的数字（{}）。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_simulation.py" line="222" />
      <source>Floods from the {:g}-year storm</source>
      <translation>{:g} 年一遇暴雨下的积水</translation>
    </message>
    <message>
      <location filename="processing/algorithms/storm_simulation.py" line="225" />
      <source>Surcharged from the {:g}-year storm</source>
      <translation>自{:g}年一遇暴雨起超载</translation>
    </message>
    <message>
      <location filename="processing/algorithms/upstream_trace.py" line="17" />
      <source>Upstream trace</source>
      <translation>上游追踪</translation>
    </message>
    <message>
      <location filename="processing/algorithms/upstream_trace.py" line="20" />
      <source>Finds every pipe and node that drains to the start nodes.&lt;br&gt;&lt;b&gt;Start node ids&lt;/b&gt;: comma-separated ids as in pn_id of the built network, or &lt;b&gt;start points&lt;/b&gt; (each snaps to the nearest node within the distance; tick 'selected features only' to use a selection).&lt;br&gt;&lt;b&gt;Systems&lt;/b&gt;: follow only pipes of these systems (YS/WS/HS/JS or storm/sanitary/combined/water).&lt;br&gt;&lt;b&gt;Stop at node types&lt;/b&gt;: e.g. pump,plant: reached but not passed.&lt;br&gt;&lt;b&gt;Outputs&lt;/b&gt;: traced pipes and nodes with pn_start (start id), pn_dist (network distance from the start, m) and pn_order (pipes from the start); a pipe reached from two starts appears once per start.&lt;br&gt;&lt;br&gt;上游追踪：查找汇入起始节点的全部管段和节点。可输入节点编号（逗号分隔）或起始点图层；可限定管网类别、在指定节点类型处停止。输出含起点编号、网络距离（米）和级序。</source>
      <translation>上游追踪：查找汇入起始节点的全部管段和节点。可输入节点编号（逗号分隔）或起始点图层；可限定管网类别、在指定节点类型处停止。输出含起点编号、网络距离（米）和级序。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/valve_isolation.py" line="31" />
      <source>Valve isolation of a main break (爆管关阀)</source>
      <translation>爆管关阀分析</translation>
    </message>
    <message>
      <location filename="processing/algorithms/valve_isolation.py" line="34" />
      <source>For each broken water main, finds the isolation segment: the pipes and nodes reachable from the break without passing a valve (node type valve/阀门), the valves to close on its boundary, and the customers (node type meter/水表) that lose supply.&lt;br&gt;&lt;b&gt;Broken pipes&lt;/b&gt;: pipe ids (pn_id), or &lt;b&gt;break points&lt;/b&gt; (nearest pipe within the distance).&lt;br&gt;&lt;b&gt;Inoperable valves&lt;/b&gt;: valve ids that cannot be closed; the segment grows to the next valves.&lt;br&gt;&lt;b&gt;Outputs&lt;/b&gt;: pipes and nodes of every segment with pn_segment (one per break) and pn_break; nodes carry pn_role (valve_to_close, customer, in_segment).&lt;br&gt;&lt;br&gt;爆管关阀分析：对每处爆管，找出不经过阀门即可到达的管段和节点（隔离区）、需关闭的边界阀门以及停水用户（水表）。可指定失效阀门，隔离区将扩展至下一级阀门。</source>
      <translation>爆管关阀分析：对每处爆管，找出不经过阀门即可到达的管段和节点（隔离区）、需关闭的边界阀门以及停水用户（水表）。可指定失效阀门，隔离区将扩展至下一级阀门。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/valve_isolation.py" line="57" />
      <source>Isolated pipes</source>
      <translation>停水管段</translation>
    </message>
    <message>
      <location filename="processing/algorithms/valve_isolation.py" line="58" />
      <source>Segment nodes and valves to close</source>
      <translation>隔离区节点与需关闭阀门</translation>
    </message>
    <message>
      <location filename="processing/algorithms/valve_isolation.py" line="48" />
      <source>Broken pipe ids (comma-separated pn_id)</source>
      <translation>爆管管段编号（逗号分隔的 pn_id）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/valve_isolation.py" line="50" />
      <source>Or break locations (points)</source>
      <translation>或爆管位置（点）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/valve_isolation.py" line="53" />
      <source>Largest distance from a break point to its pipe (metres)</source>
      <translation>爆管点到管段的最大距离（米）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/valve_isolation.py" line="56" />
      <source>Inoperable valve ids (comma-separated)</source>
      <translation>失效阀门编号（逗号分隔）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/valve_isolation.py" line="59" />
      <source>Segments</source>
      <translation>隔离区</translation>
    </message>
    <message>
      <location filename="processing/algorithms/valve_isolation.py" line="60" />
      <source>Valves to close</source>
      <translation>需关闭的阀门</translation>
    </message>
    <message>
      <location filename="processing/algorithms/valve_isolation.py" line="61" />
      <source>Customers without supply</source>
      <translation>停水用户数</translation>
    </message>
    <message>
      <location filename="processing/algorithms/valve_isolation.py" line="62" />
      <source>Customers without supply (ids)</source>
      <translation>停水用户（编号）</translation>
    </message>
    <message>
      <location filename="processing/algorithms/valve_isolation.py" line="69" />
      <source>Give BREAK_PIPES (pipe ids) or BREAK_POINTS.</source>
      <translation>请给出爆管管段编号或爆管位置点。</translation>
    </message>
    <message>
      <location filename="processing/algorithms/valve_isolation.py" line="84" />
      <source>Break {}: {} pipes, close {}, {} customers</source>
      <translation>爆管 {}：{} 条管段，关闭 {}，影响 {} 户</translation>
    </message>
    <message>
      <location filename="processing/algorithms/valve_isolation.py" line="109" />
      <source>Break point feature(s) {} are more than {} m from any pipe.</source>
      <translation>爆管点要素 {} 距任何管段超过 {} 米。</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="49" />
      <source>Pipe id field</source>
      <translation>管段编号字段</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="50" />
      <source>From-node id field (起点点号)</source>
      <translation>起点点号字段</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="51" />
      <source>To-node id field (终点点号)</source>
      <translation>终点点号字段</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="52" />
      <source>System field (YS/WS/HS/JS)</source>
      <translation>管网类别字段（YS/WS/HS/JS）</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="53" />
      <source>Diameter field (管径)</source>
      <translation>管径字段</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="54" />
      <source>Material field (材质)</source>
      <translation>材质字段</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="55" />
      <source>Start invert field (起点管底高程)</source>
      <translation>起点管底高程字段</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="56" />
      <source>End invert field (终点管底高程)</source>
      <translation>终点管底高程字段</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="57" />
      <source>Start depth field (起点埋深)</source>
      <translation>起点埋深字段</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="58" />
      <source>End depth field (终点埋深)</source>
      <translation>终点埋深字段</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="59" />
      <source>Install year field (敷设年代)</source>
      <translation>敷设年代字段</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="60" />
      <source>Status field</source>
      <translation>状态字段</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="61" />
      <source>Flow direction field (流向)</source>
      <translation>流向字段</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="64" />
      <source>Node id field (点号)</source>
      <translation>点号字段</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="65" />
      <source>Node type field (附属物)</source>
      <translation>附属物（节点类型）字段</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="66" />
      <source>Node system field</source>
      <translation>节点类别字段</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="67" />
      <source>Ground elevation field (地面高程)</source>
      <translation>地面高程字段</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="68" />
      <source>Node invert field (井底高程)</source>
      <translation>井底高程字段</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="69" />
      <source>Node depth field (井深)</source>
      <translation>井深字段</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="169" />
      <source>Network</source>
      <translation>管网</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="169" />
      <source>Analysis</source>
      <translation>分析</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="170" />
      <source>Data</source>
      <translation>数据</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="319" />
      <source>Pipes (line layer)</source>
      <translation>管段（线图层）</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="321" />
      <source>Manholes / nodes (point layer)</source>
      <translation>检查井/节点（点图层）</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="324" />
      <source>Snapping tolerance (metres)</source>
      <translation>吸附容差（米）</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="330" />
      <source>Split lines where a manhole or another pipe's end lies on them</source>
      <translation>在检查井或其他管段端点落在管线中部处打断管线</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="333" />
      <source>Keep abandoned / proposed pipes (status field) in the network</source>
      <translation>保留废弃 / 拟建管段（状态字段）</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="327" />
      <source>Near-miss search distance (metres)</source>
      <translation>近距未连接搜索距离（米）</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="342" />
      <source>Shapefile text encoding (empty = detect, e.g. GBK, UTF-8)</source>
      <translation>Shapefile 文字编码（留空则自动识别，如 GBK、UTF-8）</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="421" />
      <source>Working CRS: {}</source>
      <translation>计算坐标系：{}</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="462" />
      <source>Pipe fields: {}</source>
      <translation>管段字段：{}</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="465" />
      <source>Network {}: {} pipes, {} nodes ({} virtual), {} subnetworks, {:.1f} km in {:.2f} s</source>
      <translation>管网{}：{} 条管段，{} 个节点（虚拟 {} 个），{} 个子管网，{:.1f} 公里，用时 {:.2f} 秒</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="467" />
      <source>reused from cache</source>
      <translation>（使用缓存）</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="467" />
      <source>built</source>
      <translation>已构建</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="508" />
      <source>Layer '{}' read feature by feature ({}): {} features.</source>
      <translation>图层“{}”逐要素读取（{}）：{} 个要素。</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="511" />
      <source>Layer '{}' read in bulk: {} features.</source>
      <translation>图层“{}”已批量读取：{} 个要素。</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="198" />
      <source>{} ({}) must be a finite number, not {}.</source>
      <translation>{}（{}）必须是有限数值，而不是 {}。</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="201" />
      <source>{} ({}) must be at least {:g}, not {:g}.</source>
      <translation>{}（{}）不得小于 {:g}，当前为 {:g}。</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="204" />
      <source>{} ({}) must be at most {:g}, not {:g}.</source>
      <translation>{}（{}）不得大于 {:g}，当前为 {:g}。</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="464" />
      <source>Node fields: {}</source>
      <translation>节点字段：{}</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="471" />
      <source>Inactive pipes left out: {} (status abandoned, proposed ...; KEEP_INACTIVE keeps them)</source>
      <translation>未纳入的停用管段：{}（状态为废弃、拟建等；KEEP_INACTIVE 可保留）</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="246" />
      <source>{} would overwrite the input {} ({}): choose another file or table.</source>
      <translation>{} 会覆盖输入图层 {}（{}）：请选择其他文件或表。</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="284" />
      <source>PipeNet could not finish {}: {} ({})</source>
      <translation>PipeNet 未能完成 {}：{}（{}）</translation>
    </message>
    <message>
      <location filename="processing/base.py" line="195" />
      <source>{} ({}) must be a number, not '{}'.</source>
      <translation>{}（{}）必须是数值，而不是“{}”。</translation>
    </message>
    <message>
      <location filename="processing/inputs/encoding.py" line="40" />
      <source>{}: layer '{}' is a shapefile without its attribute file {}: copy the .dbf (and .shx, .prj, .cpg) beside the .shp.</source>
      <translation>{}：图层“{}”是缺少属性文件 {} 的 shapefile：请把 .dbf（以及 .shx、.prj、.cpg）复制到 .shp 旁边。</translation>
    </message>
    <message>
      <location filename="processing/inputs/encoding.py" line="57" />
      <source>Layer '{}' read as {} text (no encoding declared in the file).</source>
      <translation>图层“{}”按 {} 编码读取（文件未声明编码）。</translation>
    </message>
    <message>
      <location filename="processing/inputs/encoding.py" line="59" />
      <source>Layer '{}' read as {} text.</source>
      <translation>图层“{}”按 {} 编码读取。</translation>
    </message>
    <message>
      <location filename="processing/inputs/model_import.py" line="42" />
      <source>Links</source>
      <translation>管段</translation>
    </message>
    <message>
      <location filename="processing/inputs/model_import.py" line="36" />
      <source>Model file (.inp)</source>
      <translation>模型文件（.inp）</translation>
    </message>
    <message>
      <location filename="processing/inputs/model_import.py" line="37" />
      <source>Coordinate reference system of the model</source>
      <translation>模型坐标参考系</translation>
    </message>
    <message>
      <location filename="processing/inputs/model_import.py" line="40" />
      <source>System of the pipes (e.g. HS, WS, YS, JS; empty = from the model)</source>
      <translation>管网类别（如 HS、WS、YS、JS；留空则取自模型）</translation>
    </message>
    <message>
      <location filename="processing/inputs/model_import.py" line="77" />
      <source>{} links, {} nodes read from {}</source>
      <translation>从 {2} 读取 {0} 条管段、{1} 个节点</translation>
    </message>
    <message>
      <location filename="processing/outputs/writers.py" line="119" />
      <source>{}: input fields renamed where their names are taken: {}</source>
      <translation>{}：以下输入字段因重名已改名：{}</translation>
    </message>
    <message>
      <location filename="processing/outputs/writers.py" line="122" />
      <source>{}: PipeNet columns of an earlier run replaced: {}</source>
      <translation>{}：已替换此前运行生成的 PipeNet 字段：{}</translation>
    </message>
    <message>
      <location filename="processing/provider.py" line="26" />
      <source>PipeNet drainage and water network tools</source>
      <translation>PipeNet 排水与给水管网工具</translation>
    </message>
    <message>
      <location filename="processing/storm_common.py" line="29" />
      <source>Storm formula A1 (mm/min)</source>
      <translation>暴雨强度公式 A1（毫米/分钟）</translation>
    </message>
    <message>
      <location filename="processing/storm_common.py" line="29" />
      <source>Storm formula C</source>
      <translation>暴雨强度公式 C</translation>
    </message>
    <message>
      <location filename="processing/storm_common.py" line="30" />
      <source>Storm formula b (minutes)</source>
      <translation>暴雨强度公式 b（分钟）</translation>
    </message>
    <message>
      <location filename="processing/storm_common.py" line="30" />
      <source>Storm formula n</source>
      <translation>暴雨强度公式 n</translation>
    </message>
    <message>
      <location filename="processing/storm_common.py" line="43" />
      <source>Or: a CSV/JSON of named city formulas (name, A1, C, B, N)</source>
      <translation>或：城市暴雨强度公式表 CSV/JSON（name, A1, C, B, N）</translation>
    </message>
    <message>
      <location filename="processing/storm_common.py" line="46" />
      <source>City formula name in the file (empty: the only or first one)</source>
      <translation>表中的城市公式名称（留空：唯一或第一个）</translation>
    </message>
    <message>
      <location filename="processing/storm_common.py" line="83" />
      <source>Duration (minutes)</source>
      <translation>降雨历时（分钟）</translation>
    </message>
    <message>
      <location filename="processing/storm_common.py" line="85" />
      <source>Peak position r (0-1)</source>
      <translation>雨峰系数 r（0–1）</translation>
    </message>
    <message>
      <location filename="processing/storm_common.py" line="88" />
      <source>Time step (minutes)</source>
      <translation>时间步长（分钟）</translation>
    </message>
    <message>
      <location filename="processing/storm_common.py" line="104" />
      <source>Sub-catchments (polygons; empty: Thiessen polygons of the storm manholes)</source>
      <translation>子汇水区（面图层；留空：雨水检查井泰森多边形）</translation>
    </message>
    <message>
      <location filename="processing/storm_common.py" line="107" />
      <source>Node each sub-catchment drains to (empty: the nearest storm node)</source>
      <translation>子汇水区排入的节点字段（留空：最近的雨水节点）</translation>
    </message>
    <message>
      <location filename="processing/storm_common.py" line="110" />
      <source>Study area the Thiessen polygons are clipped to (empty: a buffer of the nodes)</source>
      <translation>泰森多边形裁剪范围（留空：节点缓冲区）</translation>
    </message>
    <message>
      <location filename="processing/storm_common.py" line="116" />
      <source>Land use / surface polygons (optional)</source>
      <translation>用地 / 地表类型面图层（可选）</translation>
    </message>
    <message>
      <location filename="processing/storm_common.py" line="118" />
      <source>Land-use class or runoff coefficient field</source>
      <translation>用地类型或径流系数字段</translation>
    </message>
    <message>
      <location filename="processing/storm_common.py" line="121" />
      <source>Runoff coefficient ψ (where no land use covers)</source>
      <translation>径流系数 ψ（无用地覆盖处）</translation>
    </message>
    <message>
      <location filename="processing/storm_common.py" line="50" />
      <source>Design return period P (years)</source>
      <translation>设计重现期 P（年）</translation>
    </message>
    <message>
      <location filename="processing/storm_common.py" line="65" />
      <source>Give the city's storm intensity formula q = 167·A1·(1 + C·lg P) / (t + b)^n: all four of A1, C, B and N, or a FORMULA_FILE (the city's 暴雨强度公式 is published by its meteorological or water bureau). Missing: {}.</source>
      <translation>请给出城市暴雨强度公式 q = 167·A1·(1 + C·lg P) / (t + b)^n：A1、C、B、N 四个参数，或公式表 FORMULA_FILE（城市暴雨强度公式由当地气象局或水务局发布）。缺少：{}。</translation>
    </message>
    <message>
      <location filename="processing/storm_common.py" line="113" />
      <source>Thiessen polygons without a study area: at most this far from their node (m)</source>
      <translation>无裁剪范围时泰森多边形距节点的最大距离（米）</translation>
    </message>
    <message>
      <location filename="processing/storm_common.py" line="124" />
      <source>Land-use class -&gt; ψ table (CSV/JSON; empty: GB 50014 table 4.1.6)</source>
      <translation>用地类型 → 径流系数对照表（CSV/JSON；留空：GB 50014 表 4.1.6）</translation>
    </message>
    <message>
      <location filename="processing/storm_common.py" line="76" />
      <source>Formula file {} has no formula named '{}' (it has: {}).</source>
      <translation>公式表 {} 中没有名为“{}”的公式（现有：{}）。</translation>
    </message>
    <message>
      <location filename="processing/storm_common.py" line="138" />
      <source>{} sub-catchments drain to nodes not in the network ({}...): left out.</source>
      <translation>{} 个子汇水区排入的节点不在管网中（{}…），已忽略。</translation>
    </message>
    <message>
      <location filename="processing/trace_common.py" line="79" />
      <source>Traced pipes</source>
      <translation>追踪到的管段</translation>
    </message>
    <message>
      <location filename="processing/trace_common.py" line="80" />
      <source>Traced nodes</source>
      <translation>追踪到的节点</translation>
    </message>
    <message>
      <location filename="processing/trace_common.py" line="65" />
      <source>Start node ids (comma-separated, as in the built network's pn_id)</source>
      <translation>起始节点编号（逗号分隔，即管网输出中的 pn_id）</translation>
    </message>
    <message>
      <location filename="processing/trace_common.py" line="68" />
      <source>Or start at points (nearest node; selected features only if ticked)</source>
      <translation>或从点图层开始（取最近节点；可仅用选中要素）</translation>
    </message>
    <message>
      <location filename="processing/trace_common.py" line="71" />
      <source>Largest distance from a start point to its node (metres)</source>
      <translation>起始点到节点的最大距离（米）</translation>
    </message>
    <message>
      <location filename="processing/trace_common.py" line="74" />
      <source>Follow only these systems (e.g. YS,WS or storm; empty = all)</source>
      <translation>仅追踪这些类别（如 YS,WS 或 storm；留空为全部）</translation>
    </message>
    <message>
      <location filename="processing/trace_common.py" line="76" />
      <source>Stop at node types (e.g. pump,plant; empty = none)</source>
      <translation>在这些节点类型处停止（如 pump,plant；留空为不停止）</translation>
    </message>
    <message>
      <location filename="processing/trace_common.py" line="78" />
      <source>Include the start node in the output</source>
      <translation>输出中包含起始节点</translation>
    </message>
    <message>
      <location filename="processing/trace_common.py" line="83" />
      <source>Traced length (m)</source>
      <translation>追踪管长（米）</translation>
    </message>
    <message>
      <location filename="processing/trace_common.py" line="84" />
      <source>Outlets reached</source>
      <translation>到达的出口</translation>
    </message>
    <message>
      <location filename="processing/trace_common.py" line="49" />
      <source>Give {} (node ids) or {}.</source>
      <translation>请给出 {}（节点编号）或 {}。</translation>
    </message>
    <message>
      <location filename="processing/trace_common.py" line="116" />
      <source>{} start(s): {} pipes, {:.1f} m, {} nodes</source>
      <translation>{} 个起点：{} 条管段，{:.1f} 米，{} 个节点</translation>
    </message>
    <message>
      <location filename="processing/trace_common.py" line="44" />
      <source>Layer {}: feature {} is more than {} m from any network node.</source>
      <translation>图层 {}：要素 {} 距任何管网节点超过 {} 米。</translation>
    </message>
    <message>
      <location filename="ui/alarms.py" line="53" />
      <source>Monitoring alarms</source>
      <translation>监测报警</translation>
    </message>
    <message>
      <location filename="ui/alarms.py" line="64" />
      <source>Choose an alarm to see its plot.</source>
      <translation>选择一条报警以查看其曲线图。</translation>
    </message>
    <message>
      <location filename="ui/alarms.py" line="62" />
      <source>Sensor</source>
      <translation>传感器</translation>
    </message>
    <message>
      <location filename="ui/alarms.py" line="62" />
      <source>Alarm</source>
      <translation>报警</translation>
    </message>
    <message>
      <location filename="ui/alarms.py" line="62" />
      <source>Severity</source>
      <translation>严重程度</translation>
    </message>
    <message>
      <location filename="ui/alarms.py" line="62" />
      <source>Start</source>
      <translation>开始时间</translation>
    </message>
    <message>
      <location filename="ui/alarms.py" line="114" />
      <source>No plot for this alarm: run Monitor sensors with a plots folder.</source>
      <translation>此报警没有曲线图：运行“传感器监测”时请指定图表输出文件夹。</translation>
    </message>
    <message>
      <location filename="ui/audit.py" line="66" />
      <source>Output folder of the network audit</source>
      <translation>管网体检的输出文件夹</translation>
    </message>
    <message>
      <location filename="ui/audit.py" line="99" />
      <source>PipeNet: network audit</source>
      <translation>PipeNet：管网体检</translation>
    </message>
    <message>
      <location filename="ui/audit.py" line="78" />
      <source>The network audit is already running.</source>
      <translation>管网体检已在运行。</translation>
    </message>
    <message>
      <location filename="ui/audit.py" line="81" />
      <source>Choose a pipe layer first.</source>
      <translation>请先选择管线图层。</translation>
    </message>
    <message>
      <location filename="ui/audit.py" line="103" />
      <source>Network audit running: progress and cancel in the task bar.</source>
      <translation>管网体检正在运行：可在任务栏查看进度或取消。</translation>
    </message>
    <message>
      <location filename="ui/audit.py" line="112" />
      <source>CCTV defects '{}'</source>
      <translation>CCTV 缺陷“{}”</translation>
    </message>
    <message>
      <location filename="ui/audit.py" line="112" />
      <source>overflow events '{}'</source>
      <translation>溢流事件“{}”</translation>
    </message>
    <message>
      <location filename="ui/audit.py" line="151" />
      <source>PipeNet audit – {}</source>
      <translation>PipeNet 体检 – {}</translation>
    </message>
    <message>
      <location filename="ui/audit.py" line="179" />
      <source>Open summary</source>
      <translation>打开汇总报告</translation>
    </message>
    <message>
      <location filename="ui/audit.py" line="180" />
      <source>Open folder</source>
      <translation>打开文件夹</translation>
    </message>
    <message>
      <location filename="ui/audit.py" line="142" />
      <source>The network audit failed or was cancelled; see the log (Processing).</source>
      <translation>管网体检失败或已取消；请查看日志（处理）。</translation>
    </message>
    <message>
      <location filename="ui/audit.py" line="177" />
      <source>Network audit done: {} findings; the layers are in the project.</source>
      <translation>管网体检完成：{} 个问题；图层已加入工程。</translation>
    </message>
    <message>
      <location filename="ui/audit.py" line="116" />
      <source>With {}.</source>
      <translation>已使用{}。</translation>
    </message>
    <message>
      <location filename="ui/dock.py" line="55" />
      <source>PipeNet field mapping</source>
      <translation>PipeNet 字段对应</translation>
    </message>
    <message>
      <location filename="ui/dock.py" line="58" />
      <source>Detected from the field names and values; choose another field where it is wrong.</source>
      <translation>根据字段名和字段值自动识别；如有误请选择其他字段。</translation>
    </message>
    <message>
      <location filename="ui/dock.py" line="126" />
      <source>Manholes / nodes</source>
      <translation>检查井/节点</translation>
    </message>
    <message>
      <location filename="ui/dock.py" line="129" />
      <source>Build / refresh</source>
      <translation>构建/刷新</translation>
    </message>
    <message>
      <location filename="ui/dock.py" line="130" />
      <source>Field mapping…</source>
      <translation>字段对应…</translation>
    </message>
    <message>
      <location filename="ui/dock.py" line="134" />
      <source>No network built yet.</source>
      <translation>尚未构建管网。</translation>
    </message>
    <message>
      <location filename="ui/dock.py" line="142" />
      <source>Save highlighted trace as a layer</source>
      <translation>将高亮追踪结果保存为图层</translation>
    </message>
    <message>
      <location filename="ui/dock.py" line="155" />
      <source>Run…</source>
      <translation>运行…</translation>
    </message>
    <message>
      <location filename="ui/dock.py" line="247" />
      <source>Building the network…</source>
      <translation>正在构建管网…</translation>
    </message>
    <message>
      <location filename="ui/dock.py" line="253" />
      <source>Network audit running…</source>
      <translation>管网体检运行中…</translation>
    </message>
    <message>
      <location filename="ui/dock.py" line="194" />
      <source>Errors and warnings</source>
      <translation>错误和警告</translation>
    </message>
    <message>
      <location filename="ui/dock.py" line="194" />
      <source>Errors</source>
      <translation>错误</translation>
    </message>
    <message>
      <location filename="ui/dock.py" line="195" />
      <source>All findings (with notes)</source>
      <translation>全部问题（含提示）</translation>
    </message>
    <message>
      <location filename="ui/dock.py" line="202" />
      <source>Check</source>
      <translation>检查项</translation>
    </message>
    <message>
      <location filename="ui/dock.py" line="202" />
      <source>Feature</source>
      <translation>要素</translation>
    </message>
    <message>
      <location filename="ui/dock.py" line="202" />
      <source>Message</source>
      <translation>说明</translation>
    </message>
    <message>
      <location filename="ui/dock.py" line="400" />
      <source>Click a manhole with a trace tool first.</source>
      <translation>请先用追踪工具点击检查井。</translation>
    </message>
    <message>
      <location filename="ui/dock.py" line="267" />
      <source>Network not built (or a layer changed): it is rebuilt on the next use.</source>
      <translation>管网尚未构建（或图层已修改）：下次使用时自动重建。</translation>
    </message>
    <message>
      <location filename="ui/dock.py" line="272" />
      <source>{} pipes, {} nodes, {} subnetworks, {:.1f} km; {} findings</source>
      <translation>{} 条管段，{} 个节点，{} 个子管网，{:.1f} 公里；问题 {} 处</translation>
    </message>
    <message>
      <location filename="ui/dock.py" line="285" />
      <source>All checks ({})</source>
      <translation>全部检查项（{}）</translation>
    </message>
    <message>
      <location filename="ui/dock.py" line="337" />
      <source>{} (start)</source>
      <translation>{}（起点端）</translation>
    </message>
    <message>
      <location filename="ui/dock.py" line="337" />
      <source>{} (end)</source>
      <translation>{}（终点端）</translation>
    </message>
    <message>
      <location filename="ui/map_tools.py" line="123" />
      <source>No node within reach of the click.</source>
      <translation>点击位置附近没有节点。</translation>
    </message>
    <message>
      <location filename="ui/map_tools.py" line="153" />
      <source>No pipe within reach of the click.</source>
      <translation>点击位置附近没有管段。</translation>
    </message>
    <message>
      <location filename="ui/map_tools.py" line="136" />
      <source>Upstream of {}: {} pipes, {:.0f} m, {} manholes</source>
      <translation>{} 的上游：{} 条管段，{:.0f} 米，{} 个检查井</translation>
    </message>
    <message>
      <location filename="ui/map_tools.py" line="139" />
      <source>Downstream of {}: {} pipes, {:.0f} m, outlets reached: {}</source>
      <translation>{} 的下游：{} 条管段，{:.0f} 米，到达出口：{}</translation>
    </message>
    <message>
      <location filename="ui/map_tools.py" line="158" />
      <source>Break on {}: {} pipes shut, close valves {}; {} customers without water</source>
      <translation>{} 爆管：停水管段 {} 条，需关闭阀门 {}；停水用户 {} 户</translation>
    </message>
    <message>
      <location filename="ui/session.py" line="188" />
      <source>PipeNet: build network</source>
      <translation>PipeNet：构建管网</translation>
    </message>
  </context>
</TS>
