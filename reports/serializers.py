from rest_framework import serializers

from reports.metrics import RATES

_COUNT_HELP = {
    "filed": "立案数（voided 除外）",
    "due": "应结案数（= 立案数）",
    "closed": "结案数",
    "closed_on_time": "按期结案数",
    "handled": "处置数",
    "handled_on_time": "按期处置数",
    "rework": "返工数",
    "delayed": "延期案件数",
    "dispatched": "派遣数",
    "returned": "批准回退数",
}


def _rate(name: str) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, help_text=f"{name}：0–1，分母为零时为 null")


_ROW_FIELDS = {
    "district": serializers.CharField(required=False, help_text="区/县代码（level=district）"),
    "street": serializers.CharField(required=False, help_text="街道代码（level=street）"),
    "department": serializers.CharField(required=False, help_text="部门代码（level=department）"),
    "name": serializers.CharField(),
    **{name: serializers.IntegerField(help_text=text) for name, text in _COUNT_HELP.items()},
    **{name: _rate(name) for name in RATES},
    "sanitation_score": serializers.FloatField(allow_null=True, help_text="环卫考评月度得分（部门为 null）"),
    "score": serializers.FloatField(allow_null=True, help_text="综合考评得分（缺项按其余权重折算）"),
    "rank": serializers.IntegerField(allow_null=True),
    "rank_change": serializers.IntegerField(allow_null=True, help_text="较上月名次变化，正数为上升"),
    "red_flag": serializers.BooleanField(help_text="流动红旗（第 1 名）"),
    "board": serializers.ChoiceField(choices=["red", "black"], allow_null=True, help_text="红榜 / 黑榜"),
    "reweighted": serializers.BooleanField(help_text="得分按缺项折算（或部门无环卫分项）"),
    "as_of": serializers.DateTimeField(allow_null=True),
}
# One row of §11's monthly report (the field list is long and regular).
MonthlyRowSerializer = type("MonthlyRowSerializer", (serializers.Serializer,), _ROW_FIELDS)


class MonthlySerializer(serializers.Serializer):
    month = serializers.CharField()
    level = serializers.CharField()
    as_of = serializers.DateTimeField(allow_null=True, help_text="统计截止时间")
    frozen = serializers.BooleanField(help_text="已冻结（月末 + 结算天数后）")
    results = MonthlyRowSerializer(many=True)
