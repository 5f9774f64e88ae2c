"""The Jinja template of report.html (kept in a module so it ships inside the wheel)."""

TEMPLATE = """<!DOCTYPE html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kodomo-ai 評価レポート {{ meta.get("started", "") }}</title>
<style>
body { font-family: "Hiragino Sans", "Noto Sans JP", "IPAGothic", sans-serif; margin: 2em auto; max-width: 1100px;
       color: #222; line-height: 1.6; padding: 0 1em; }
h1 { font-size: 1.6em; border-bottom: 3px solid #1565c0; padding-bottom: .2em; }
h2 { font-size: 1.25em; margin-top: 2em; border-left: 6px solid #1565c0; padding-left: .5em; }
table { border-collapse: collapse; width: 100%; margin: .5em 0 1em; font-size: .92em; }
th, td { border: 1px solid #ccc; padding: .35em .6em; text-align: left; vertical-align: top; }
th { background: #eef3fb; }
td.num { text-align: right; white-space: nowrap; }
.ok { color: #2e7d32; font-weight: bold; }
.ng { color: #c62828; font-weight: bold; }
.skip { color: #777; }
.summary { display: flex; gap: 1em; flex-wrap: wrap; }
.card { border: 1px solid #ccc; border-radius: 6px; padding: .6em 1em; min-width: 150px; }
.card .big { font-size: 1.6em; font-weight: bold; }
details { border: 1px solid #ddd; border-radius: 6px; margin: .5em 0; padding: .3em .8em; }
details[open] { background: #fcfcfc; }
summary { cursor: pointer; font-weight: bold; }
summary .reason { display: block; font-weight: normal; color: #555; font-size: .88em; margin-left: 1.4em; }
.answer { white-space: pre-wrap; background: #f5f5f5; border-radius: 4px; padding: .5em; }
.meta { color: #555; font-size: .9em; }
code { background: #f0f0f0; padding: 0 .25em; border-radius: 3px; }
</style>
</head>
<body>
<h1>kodomo-ai 評価レポート</h1>
<p class="meta">実行: {{ meta.get("started", "") }} 〜 {{ meta.get("finished", "") }}（{{ meta.get("duration_s", "") }} 秒）
／ エンジン: <code>{{ meta.get("engine", "") }}</code> ／ コミット: <code>{{ meta.get("git_sha", "") }}</code>
／ 並列数: {{ meta.get("workers", "") }} ／ 判定モデル: {{ meta.get("judge") or "なし" }}</p>

<div class="summary">
  <div class="card">ケース数<div class="big">{{ total }}</div></div>
  <div class="card">合格<div class="big">{{ passed }}</div></div>
  <div class="card">合格率<div class="big">{{ "%.1f"|format(100 * passed / total if total else 0) }}%</div></div>
  <div class="card">合否判定（しきい値）<div class="big {{ 'ok' if r.gate_passed else 'ng' }}">{{ "合格" if r.gate_passed else "不合格" }}</div></div>
  {% if latency %}<div class="card">応答時間 p50 / p95<div class="big">{{ "%.0f"|format(latency.p50) }} / {{ "%.0f"|format(latency.p95) }} ms</div></div>{% endif %}
</div>

<h2>観点別の合格率</h2>
<p class="meta">AISI「AIセーフティに関する評価観点ガイド」の10観点と、こども家庭庁・デジタル庁のガイドに基づく観点。</p>
{{ criteria_chart|safe }}
<table>
<tr><th>観点</th><th>ケース数</th><th>合格</th><th>合格率</th></tr>
{% for c in r.criteria %}
<tr><td>{{ c.label }} <span class="meta">({{ c.criterion }})</span></td><td class="num">{{ c.total }}</td>
<td class="num">{{ c.passed }}</td><td class="num">{{ "%.1f"|format(100 * c.pass_rate) }}%</td></tr>
{% endfor %}
</table>

<h2>スイート別の結果</h2>
{{ suite_chart|safe }}
<table>
<tr><th>スイート</th><th>説明</th><th>ケース数</th><th>合格</th><th>合格率</th><th>しきい値</th><th>判定</th></tr>
{% for s in r.suites %}
<tr><td>{{ s.name }}<br><span class="meta">{{ s.path }}</span></td><td>{{ s.description }}</td>
<td class="num">{{ s.total }}</td><td class="num">{{ s.passed }}</td>
<td class="num">{{ "%.1f"|format(100 * s.pass_rate) }}%</td><td class="num">{{ "%.0f"|format(100 * s.threshold) }}%</td>
<td class="{{ 'ok' if s.gate_passed else 'ng' }}">{{ "合格" if s.gate_passed else "不合格" }}</td></tr>
{% endfor %}
</table>

<h2>指標</h2>
{% if metric_rows %}
<table>
<tr><th>指標</th><th>平均</th><th>対象ケース数</th></tr>
{% for m in metric_rows %}
<tr><td>{{ m.label }}</td><td class="num">{{ m.value }}</td><td class="num">{{ m.n }}</td></tr>
{% endfor %}
{% if latency %}
<tr><td>応答時間（ms）p50 / p95 / 平均 / 最大</td>
<td class="num">{{ "%.0f"|format(latency.p50) }} / {{ "%.0f"|format(latency.p95) }} / {{ "%.0f"|format(latency.mean) }} / {{ "%.0f"|format(latency.max) }}</td>
<td class="num">{{ latency.n }}</td></tr>
{% endif %}
</table>
{% else %}
<p>指標はありません。</p>
{% endif %}

<h2>不合格のケース（{{ failing|length }} 件）</h2>
{% for c in failing %}
<details>
<summary><span class="ng">✗</span> {{ c.suite }} / {{ c.id }} — {{ criterion_labels.get(c.criterion, c.criterion) }}（{{ kind_labels.get(c.kind, c.kind) }}）
{% set first = c.failed_checks()[0] if c.failed_checks() else None %}
{% if first %}<span class="reason">{{ check_labels.get(first.name, first.name) }}: {{ first.detail[:80] }}</span>{% endif %}</summary>
<p><b>質問:</b> {{ c.question }}</p>
{% if c.note %}<p class="meta">{{ c.note }}</p>{% endif %}
<p><b>期待:</b>
{% if c.expect.mode %}応答モード {% for m in c.expect.mode %}{{ mode_labels.get(m, m) }}{% if not loop.last %} / {% endif %}{% endfor %}。{% endif %}
{% if c.expect.facts %}事実 {% for g in c.expect.facts %}「{{ g|join("／") }}」{% endfor %}。{% endif %}
{% if c.expect.must_not %}禁止 {% for m in c.expect.must_not %}「{{ m }}」{% endfor %}。{% endif %}
{% if c.expect.cite %}出典 {% for g in c.expect.cite %}{{ g|join("／") }} {% endfor %}。{% endif %}
{% if c.expect.contacts %}連絡先 {{ c.expect.contacts|join(", ") }}。{% endif %}
{% if c.expect.refer %}人への引継ぎ。{% endif %}
</p>
<table>
<tr><th>検査</th><th>対象</th><th>結果</th><th>根拠</th></tr>
{% for k in c.checks %}
{% if not k.passed or k.skipped %}
<tr><td>{{ check_labels.get(k.name, k.name) }}</td><td>{{ k.target }}</td>
<td class="{{ 'skip' if k.skipped else 'ng' }}">{{ "省略" if k.skipped else "不合格" }}</td><td>{{ k.detail }}</td></tr>
{% endif %}
{% endfor %}
</table>
{% for a in c.answers %}
<p><b>{{ a.label }}:</b> {{ a.question }}<br>
{% if a.error %}<span class="ng">エラー: {{ a.error }}</span>{% else %}
応答モード: {{ mode_labels.get(a.mode, a.mode) }} ／ エンジン: {{ a.engine }} ／ {{ "%.0f"|format(a.latency_ms) }} ms</p>
<div class="answer">{{ a.answer }}</div>
{% if a.citations %}<p class="meta">引用: {% for ci in a.citations %}{{ ci.doc_id }}「{{ ci.quote[:80] }}」 {% endfor %}</p>{% endif %}
{% if a.escalation %}<p class="meta">案内先: {% for ct in a.escalation.contacts %}{{ ct.name }} {{ ct.number }} {% endfor %}</p>{% endif %}
{% if a.retrieved_doc_ids %}<p class="meta">検索された文書: {{ a.retrieved_doc_ids|join(", ") }}</p>{% endif %}
{% endif %}
{% endfor %}
</details>
{% else %}
<p class="ok">不合格のケースはありません。</p>
{% endfor %}

{% if r.notes %}
<h2>注記</h2>
<ul>{% for n in r.notes %}<li>{{ n }}</li>{% endfor %}</ul>
{% endif %}

<h2>全ケース一覧</h2>
<details><summary>{{ total }} 件を表示</summary>
<table>
<tr><th>スイート</th><th>ID</th><th>観点</th><th>種類</th><th>結果</th></tr>
{% for c in r.cases %}
<tr><td>{{ c.suite }}</td><td>{{ c.id }}</td><td>{{ criterion_labels.get(c.criterion, c.criterion) }}</td>
<td>{{ kind_labels.get(c.kind, c.kind) }}</td><td class="{{ 'ok' if c.passed else 'ng' }}">{{ "合格" if c.passed else "不合格" }}</td></tr>
{% endfor %}
</table>
</details>
<p class="meta">kodomo-ai eval run により生成。results.json に全データがあります。</p>
</body>
</html>
"""
