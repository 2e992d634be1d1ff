"""One form per dossier transition an officer can perform, and the service each form calls.

The dossier page offers exactly ``workflow.available_transitions(dossier, officer)``; for each of them it
shows the form registered here under the transition's name. A form asks for what its service needs, carries
the ``revision`` the officer saw, and ``run`` calls the service with the officer's IP address as origin.
Domain errors (``ApplicationError``) are left to the view, which shows them on the form.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.agencies.selectors import agency_list
from motcua.dossiers import services
from motcua.dossiers.models import CopyType, Dossier, ResultChannel
from motcua.dossiers.selectors import (
    case_components_of,
    held_steps_for,
    led_open_steps_for,
    next_stage_steps,
    staff_with_roles,
)
from motcua.dossiers.workflow import TRANSITIONS
from motcua.payments.models import FeeKind
from motcua.payments.services import LineData, payment_request_obligation

from .widgets import AmountField, DateTimeLocalField, MultipleFileField

RESULT_ROWS = 3
DANGEROUS = {"refuse_reception", "refuse", "withdraw", "stop", "reject_extension", "send_back"}


@dataclass
class ActionContext:
    """What a form needs besides the posted data: the dossier (with its details), the officer, their agencies."""

    dossier: Dossier
    user: object
    agency_ids: set[int]


def person_label(user) -> str:
    name = getattr(user, "full_name", "") or user.get_full_name()
    return f"{name} ({user.get_username()})" if name else user.get_username()


def _lines(text: str) -> list[str]:
    return [line.strip(" -•\t") for line in (text or "").splitlines() if line.strip(" -•\t")]


def _reason_field(required: bool = True, label=None, help_text="") -> forms.CharField:
    return forms.CharField(
        label=label or _("Lý do"),
        required=required,
        max_length=4000,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ActionForm(forms.Form):
    """Base of every action form: the revision the officer saw, the transition's name and label."""

    action = ""
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, context: ActionContext, **kwargs):
        kwargs.setdefault("prefix", self.action)
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("revision", context.dossier.revision)
        super().__init__(*args, **kwargs)
        self.context = context
        self.dossier = context.dossier
        self.user = context.user

    @property
    def transition(self):
        return TRANSITIONS[self.action]

    @property
    def label(self):
        return self.transition.label

    @property
    def description(self):
        return self.transition.description

    @property
    def intro(self):
        """The help shown above the form (the transition's description unless a form says more)."""
        return self.transition.description

    @property
    def is_dangerous(self) -> bool:
        return self.action in DANGEROUS

    @property
    def has_files(self) -> bool:
        return any(isinstance(f, forms.FileField) for f in self.fields.values())

    @property
    def has_visible_fields(self) -> bool:
        return bool(self.visible_fields())

    def rebind(self, context: ActionContext):
        """The same typed data on the reloaded dossier, with its current revision (after a conflict)."""
        data = self.data.copy()
        data[self.add_prefix("revision")] = str(context.dossier.revision)
        return type(self)(data, context=context)

    def call(self, **kwargs) -> Dossier:  # pragma: no cover - every registered form defines it
        raise NotImplementedError

    def run(self, *, origin: str) -> Dossier:
        return self.call(
            dossier=self.dossier, actor=self.user, revision=self.cleaned_data["revision"], origin=origin
        )


class ConfirmForm(ActionForm):
    """An action without input: receiving an online dossier, telling the applicant of an early return."""


class ReceiveForm(ConfirmForm):
    action = "receive"

    def call(self, **kwargs):
        return services.dossier_receive(**kwargs)


class NotifyEarlyReturnForm(ConfirmForm):
    action = "notify_early_return"

    def call(self, **kwargs):
        return services.dossier_notify_early_return(**kwargs)


class ReasonForm(ActionForm):
    reason = _reason_field()

    def run(self, *, origin: str) -> Dossier:
        return self.call(
            dossier=self.dossier,
            actor=self.user,
            revision=self.cleaned_data["revision"],
            reason=self.cleaned_data["reason"],
            origin=origin,
        )


class RefuseReceptionForm(ReasonForm):
    action = "refuse_reception"
    reason = _reason_field(help_text=_("Mỗi lý do một dòng; in trên phiếu từ chối (Mẫu 03)."))

    def call(self, **kwargs):
        return services.dossier_refuse_reception(**kwargs)


class RefuseForm(ReasonForm):
    action = "refuse"
    reason = _reason_field(help_text=_("Mỗi lý do một dòng; văn bản từ chối được trả qua bộ phận một cửa."))

    def call(self, **kwargs):
        return services.dossier_refuse(**kwargs)


class SendBackForm(ReasonForm):
    action = "send_back"
    reason = _reason_field(label=_("Ý kiến của lãnh đạo"))

    def call(self, **kwargs):
        return services.dossier_send_back(**kwargs)


class RejectExtensionForm(ReasonForm):
    action = "reject_extension"

    def call(self, **kwargs):
        return services.dossier_reject_extension(**kwargs)


class WithdrawForm(ReasonForm):
    action = "withdraw"
    reason = _reason_field(help_text=_("Ghi theo đơn đề nghị rút hồ sơ của người nộp."))

    def call(self, **kwargs):
        return services.dossier_withdraw(**kwargs)


class StopForm(ReasonForm):
    action = "stop"

    def call(self, **kwargs):
        return services.dossier_stop(**kwargs)


class SupplementRequestForm(ActionForm):
    """Mẫu 02: one complete list of what the applicant must add or correct."""

    reason = _reason_field()
    items = forms.CharField(
        label=_("Giấy tờ cần bổ sung, hoàn thiện"),
        max_length=8000,
        help_text=_("Mỗi giấy tờ một dòng, kèm nội dung cần bổ sung. Chỉ yêu cầu một lần, đầy đủ."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def run(self, *, origin: str) -> Dossier:
        return services.dossier_request_supplement(
            dossier=self.dossier,
            actor=self.user,
            revision=self.cleaned_data["revision"],
            reason=self.cleaned_data["reason"],
            items=_lines(self.cleaned_data["items"]),
            origin=origin,
        )


class SupplementAtReceptionForm(SupplementRequestForm):
    action = "request_supplement_at_reception"


class SupplementDuringProcessingForm(SupplementRequestForm):
    action = "request_supplement"


class DocumentForm(ActionForm):
    """A document of the case (or another named one) with scanned files."""

    files_required = True
    component = forms.ChoiceField(label=_("Giấy tờ"), required=False)
    other_name = forms.CharField(label=_("Tên giấy tờ khác"), required=False, max_length=500)
    copy_type = forms.ChoiceField(label=_("Hình thức"), choices=CopyType.choices, initial=CopyType.COPY)
    files = MultipleFileField(label=_("Tệp số hóa"), help_text=_("Có thể chọn nhiều tệp."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.components = {str(c.pk): c for c in case_components_of(self.dossier)}
        self.fields["component"].choices = [
            *[(key, component.name) for key, component in self.components.items()],
            ("", _("Giấy tờ khác (ghi tên)")),
        ]
        self.fields["files"].required = self.files_required

    def clean(self):
        data = super().clean()
        if not data.get("component") and not (data.get("other_name") or "").strip():
            self.add_error("other_name", _("Vui lòng ghi tên giấy tờ."))
        return data

    def documents(self) -> list[services.DocumentData]:
        data = self.cleaned_data
        return [
            services.DocumentData(
                case_component=self.components.get(data.get("component") or ""),
                name=data.get("other_name") or "",
                copy_type=data["copy_type"],
                files=data["files"],
            )
        ]


class AttachFileForm(DocumentForm):
    action = "attach_file"

    def run(self, *, origin: str) -> Dossier:
        return services.dossier_attach_files(
            dossier=self.dossier,
            actor=self.user,
            revision=self.cleaned_data["revision"],
            documents=self.documents(),
            origin=origin,
        )


class SubmitSupplementForm(DocumentForm):
    """Record a complete supplement handed in at the counter (files optional: the paper is in the dossier)."""

    action = "submit_supplement"
    files_required = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["component"].required = False
        self.fields["other_name"].help_text = _("Để trống nếu không đính kèm tệp.")

    def clean(self):
        data = forms.Form.clean(self)
        if data.get("files") and not data.get("component") and not (data.get("other_name") or "").strip():
            self.add_error("other_name", _("Vui lòng ghi tên giấy tờ."))
        return data

    def run(self, *, origin: str) -> Dossier:
        return services.dossier_submit_supplement(
            dossier=self.dossier,
            actor=self.user,
            revision=self.cleaned_data["revision"],
            documents=self.documents() if self.cleaned_data["files"] else [],
            origin=origin,
        )


class AssignForm(ActionForm):
    """A leader gives an open step of their agency to a member with the step's role."""

    action = "assign"
    target = forms.ChoiceField(label=_("Giao cho"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.steps = {step.pk: step for step in led_open_steps_for(self.dossier, self.user)}
        self.staff = staff_with_roles({(step.agency_id, step.role) for step in self.steps.values()})
        groups = []
        for step in self.steps.values():
            options = [
                (
                    f"{step.pk}:{person.pk}",
                    person_label(person)
                    + (" · " + str(_("đang giữ")) if step.assignee_id == person.pk else ""),
                )
                for person in self.staff[(step.agency_id, step.role)]
            ]
            groups.append((f"{step.name} · {step.agency}", options))
        choices = groups[0][1] if len(groups) == 1 else groups
        self.fields["target"].choices = [("", _("— Chọn cán bộ —")), *choices]

    def clean_target(self):
        step_id, _sep, user_id = self.cleaned_data["target"].partition(":")
        step = self.steps.get(int(step_id))
        person = next(
            (p for p in self.staff.get((step.agency_id, step.role), []) if str(p.pk) == user_id), None
        )
        if person is None:  # pragma: no cover - the choice field already refused unknown values
            raise forms.ValidationError(_("Lựa chọn không hợp lệ."))
        return step, person

    def run(self, *, origin: str) -> Dossier:
        step, person = self.cleaned_data["target"]
        return services.dossier_assign(
            dossier=self.dossier,
            actor=self.user,
            revision=self.cleaned_data["revision"],
            assignee=person,
            step=step,
            origin=origin,
        )


class HeldStepForm(ActionForm):
    """Base of the forms that finish a step the officer holds."""

    step = forms.ChoiceField(label=_("Bước đang giữ"))
    note = forms.CharField(
        label=_("Ghi chú"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.held = {str(step.pk): step for step in held_steps_for(self.dossier, self.user)}
        self.fields["step"].choices = [(key, f"{s.name} · {s.agency}") for key, s in self.held.items()]
        if len(self.held) == 1:
            self.fields["step"].widget = forms.HiddenInput()
            self.fields["step"].initial = next(iter(self.held))

    def held_step(self):
        return self.held[self.cleaned_data["step"]]


class HandOverForm(HeldStepForm):
    action = "hand_over"
    next_assignee = forms.ChoiceField(label=_("Chuyển cho"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        following = {s.pk: s for step in self.held.values() for s in next_stage_steps(self.dossier, step)}
        self.staff = staff_with_roles({(s.agency_id, s.role) for s in following.values()})
        people = {person.pk: person for group in self.staff.values() for person in group}
        self.people = {str(pk): person for pk, person in people.items()}
        self.fields["next_assignee"].choices = [
            ("", _("Bộ phận tiếp theo tự nhận hoặc lãnh đạo phân công")),
            *[(key, person_label(person)) for key, person in self.people.items()],
        ]

    def run(self, *, origin: str) -> Dossier:
        chosen = self.cleaned_data.get("next_assignee")
        return services.dossier_hand_over(
            dossier=self.dossier,
            actor=self.user,
            revision=self.cleaned_data["revision"],
            step=self.held_step(),
            next_assignee=self.people.get(chosen) if chosen else None,
            note=self.cleaned_data["note"],
            origin=origin,
        )


class SubmitForApprovalForm(HeldStepForm):
    action = "submit_for_approval"

    def run(self, *, origin: str) -> Dossier:
        return services.dossier_submit_for_approval(
            dossier=self.dossier,
            actor=self.user,
            revision=self.cleaned_data["revision"],
            step=self.held_step(),
            note=self.cleaned_data["note"],
            origin=origin,
        )


class ConsultForm(ActionForm):
    action = "consult"
    agencies = forms.MultipleChoiceField(
        label=_("Cơ quan được lấy ý kiến"),
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Giữ phím Ctrl để chọn nhiều cơ quan."),
    )
    question = forms.CharField(
        label=_("Nội dung xin ý kiến"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    deadline = DateTimeLocalField(label=_("Hạn trả lời"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.agency_rows = {
            str(agency.pk): agency for agency in agency_list() if agency.pk not in self.context.agency_ids
        }
        self.fields["agencies"].choices = [(key, agency.name) for key, agency in self.agency_rows.items()]

    def run(self, *, origin: str) -> Dossier:
        return services.dossier_consult(
            dossier=self.dossier,
            actor=self.user,
            revision=self.cleaned_data["revision"],
            agencies=[self.agency_rows[key] for key in self.cleaned_data["agencies"]],
            question=self.cleaned_data["question"],
            deadline=self.cleaned_data["deadline"],
            origin=origin,
        )


class AnswerConsultationForm(ActionForm):
    action = "answer_consultation"
    consultation = forms.ChoiceField(label=_("Yêu cầu xin ý kiến"))
    answer = forms.CharField(
        label=_("Ý kiến trả lời"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.open = {
            str(c.pk): c
            for c in self.dossier.consultations.all()
            if c.answered_at is None and c.asked_agency_id in self.context.agency_ids
        }
        self.fields["consultation"].choices = [
            (key, f"{c.asked_agency} · {c.question[:80]}") for key, c in self.open.items()
        ]
        if len(self.open) == 1:
            self.fields["consultation"].widget = forms.HiddenInput()
            self.fields["consultation"].initial = next(iter(self.open))

    def run(self, *, origin: str) -> Dossier:
        return services.dossier_answer_consultation(
            dossier=self.dossier,
            actor=self.user,
            revision=self.cleaned_data["revision"],
            answer=self.cleaned_data["answer"],
            consultation=self.open[self.cleaned_data["consultation"]],
            origin=origin,
        )


class ApproveForm(ActionForm):
    """The leader signs the result: names and files of the result documents (coded -KQ1, -KQ2, ...)."""

    action = "approve"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number in range(1, RESULT_ROWS + 1):
            self.fields[f"name_{number}"] = forms.CharField(
                label=_("Tên kết quả %(n)s") % {"n": number}, required=False, max_length=500
            )
            self.fields[f"file_{number}"] = forms.FileField(
                label=_("Tệp kết quả %(n)s") % {"n": number}, required=False
            )
        self.result_rows = [
            (self[f"name_{number}"], self[f"file_{number}"]) for number in range(1, RESULT_ROWS + 1)
        ]

    def clean(self):
        data = super().clean()
        for number in range(1, RESULT_ROWS + 1):
            if data.get(f"file_{number}") and not (data.get(f"name_{number}") or "").strip():
                self.add_error(f"name_{number}", _("Vui lòng nhập tên kết quả cho tệp đã chọn."))
        return data

    def run(self, *, origin: str) -> Dossier:
        data = self.cleaned_data
        results = [
            services.ResultData(name=data[f"name_{n}"], file=data.get(f"file_{n}"))
            for n in range(1, RESULT_ROWS + 1)
            if (data.get(f"name_{n}") or "").strip()
        ]
        return services.dossier_approve(
            dossier=self.dossier, actor=self.user, revision=data["revision"], results=results, origin=origin
        )


OBLIGATION_ROWS = 4


class RequestPaymentForm(ActionForm):
    """A financial obligation (→ 6) with its lines (phí or lệ phí, name, amount), through
    ``payments.services.payment_request_obligation`` so the applicant can pay it online or at the counter."""

    action = "request_payment"
    description = forms.CharField(
        label=_("Nghĩa vụ tài chính"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Nội dung thanh toán người nộp thấy, ví dụ: Nộp lệ phí trước bạ theo thông báo của cơ quan thuế."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = [(FeeKind.CHARGE.value, FeeKind.CHARGE.label), (FeeKind.FEE.value, FeeKind.FEE.label)]
        for number in range(1, OBLIGATION_ROWS + 1):
            self.fields[f"name_{number}"] = forms.CharField(
                label=_("Khoản %(n)s") % {"n": number}, required=number == 1, max_length=500
            )
            self.fields[f"kind_{number}"] = forms.ChoiceField(
                label=_("Loại khoản %(n)s") % {"n": number}, choices=kinds, required=False
            )
            self.fields[f"amount_{number}"] = AmountField(
                label=_("Số tiền khoản %(n)s (đồng)") % {"n": number}, required=number == 1
            )
        self.line_rows = [
            (self[f"name_{n}"], self[f"kind_{n}"], self[f"amount_{n}"]) for n in range(1, OBLIGATION_ROWS + 1)
        ]

    def clean(self):
        data = super().clean()
        for number in range(1, OBLIGATION_ROWS + 1):
            name, amount = (data.get(f"name_{number}") or "").strip(), data.get(f"amount_{number}")
            if name and amount is None and f"amount_{number}" not in self.errors:
                self.add_error(f"amount_{number}", _("Vui lòng nhập số tiền của khoản này."))
            elif amount is not None and not name:
                self.add_error(f"name_{number}", _("Vui lòng nhập tên khoản cho số tiền đã nhập."))
            elif amount == 0:
                self.add_error(f"amount_{number}", _("Số tiền phải lớn hơn 0."))
        return data

    def lines(self) -> list:
        data = self.cleaned_data
        return [
            LineData(
                name=data[f"name_{n}"].strip(),
                amount=data[f"amount_{n}"],
                kind=data.get(f"kind_{n}") or FeeKind.CHARGE,
            )
            for n in range(1, OBLIGATION_ROWS + 1)
            if (data.get(f"name_{n}") or "").strip() and data.get(f"amount_{n}")
        ]

    def run(self, *, origin: str) -> Dossier:
        payment_request_obligation(
            dossier=self.dossier,
            actor=self.user,
            revision=self.cleaned_data["revision"],
            description=self.cleaned_data["description"],
            lines=self.lines(),
            origin=origin,
        )
        return self.dossier


class ProposeExtensionForm(ActionForm):
    """Mẫu 04 draft: why the dossier will be late and the new appointment, for the leader to approve."""

    action = "propose_extension"
    reason = _reason_field(label=_("Lý do chậm"))
    new_appointment = DateTimeLocalField(label=_("Ngày hẹn trả mới"))

    def run(self, *, origin: str) -> Dossier:
        return services.dossier_propose_extension(
            dossier=self.dossier,
            actor=self.user,
            revision=self.cleaned_data["revision"],
            reason=self.cleaned_data["reason"],
            new_appointment=self.cleaned_data["new_appointment"],
            origin=origin,
        )


class ApproveExtensionForm(ActionForm):
    action = "approve_extension"
    note = forms.CharField(
        label=_("Ý kiến lãnh đạo"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pending = next((e for e in self.dossier.extensions.all() if e.state == "proposed"), None)

    def run(self, *, origin: str) -> Dossier:
        return services.dossier_approve_extension(
            dossier=self.dossier,
            actor=self.user,
            revision=self.cleaned_data["revision"],
            note=self.cleaned_data["note"],
            origin=origin,
        )


# Returned by hand: at the counter or online. A result goes by post through the postal screens ("Gửi kết quả qua
# bưu chính"): the post's delivery report returns it, so nobody closes a postal dossier without sending it.
HAND_RETURN_CHANNELS = [
    (value, label) for value, label in ResultChannel.choices if value != ResultChannel.POSTAL
]


class ReturnResultForm(ActionForm):
    """Return the result by hand. For a dossier whose applicant chose the post, only at the counter and only
    with the explicit statement that the applicant (or their representative) came for it in person."""

    action = "return_result"
    channel = forms.ChoiceField(label=_("Hình thức trả"), choices=HAND_RETURN_CHANNELS)
    in_person = forms.BooleanField(
        label=_("Người nộp (hoặc người được ủy quyền) đã đến nhận kết quả trực tiếp tại bộ phận một cửa"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.by_post:
            del self.fields["channel"]
            self.fields["in_person"].required = True
            self.fields["in_person"].error_messages["required"] = _(
                "Hồ sơ đăng ký nhận kết quả qua bưu chính: hãy gửi kết quả qua bưu chính, hoặc xác nhận người nộp "
                "đã đến nhận trực tiếp tại bộ phận một cửa."
            )
        else:
            del self.fields["in_person"]
            self.fields["channel"].initial = self.dossier.result_channel

    @property
    def by_post(self) -> bool:
        return self.dossier.result_channel == ResultChannel.POSTAL

    @property
    def label(self):
        if self.by_post:
            return _("Trả kết quả tại bộ phận một cửa")
        return super().label

    @property
    def intro(self):
        if self.by_post:
            return _(
                "Người nộp đăng ký nhận kết quả qua bưu chính. Chỉ trả tại bộ phận một cửa khi người nộp đến nhận "
                "trực tiếp; nếu kết quả đã giao cho bưu điện, bưu gửi vẫn được theo dõi."
            )
        return super().intro

    def run(self, *, origin: str) -> Dossier:
        channel = ResultChannel.COUNTER if self.by_post else self.cleaned_data["channel"]
        return services.dossier_return_result(
            dossier=self.dossier,
            actor=self.user,
            revision=self.cleaned_data["revision"],
            channel=channel,
            origin=origin,
        )


ACTION_FORMS: dict[str, type[ActionForm]] = {
    form.action: form
    for form in (
        ReceiveForm,
        RefuseReceptionForm,
        SupplementAtReceptionForm,
        SupplementDuringProcessingForm,
        SubmitSupplementForm,
        AssignForm,
        HandOverForm,
        ConsultForm,
        AnswerConsultationForm,
        SubmitForApprovalForm,
        ApproveForm,
        SendBackForm,
        RefuseForm,
        RequestPaymentForm,
        ProposeExtensionForm,
        ApproveExtensionForm,
        RejectExtensionForm,
        NotifyEarlyReturnForm,
        ReturnResultForm,
        WithdrawForm,
        StopForm,
        AttachFileForm,
    )
}
