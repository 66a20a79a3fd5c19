"""The Course page's material tree (``ui/course.py`` hosts it).

The policy material first, then the learning materials (the package's order within
each), their sub-materials and activities; at the bottom the academic evaluation. Two
columns: the name, and the state ("✓" once done, trophies earned/possible; a muted
"*" when they come from work not yet confirmed by the server, with the legend under the
tree). An activity is named by its kind and whether it is required ("Video · wajib"),
its full title in the tooltip and the pane; a material kept offline says so on a
second line. Keys: the arrows move and open/close, Enter opens the item in the pane
(``activated``).

Items are keyed (``"m:<id>"``, ``"s:<id>"``, ``"a:<id>"``, ``EVALUATION``) and made once
per package; a refresh changes their texts only, so the selection and what is expanded
stay (a new package's tree keeps both by key).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from latsar_desktop.domain.progress import EvaluationStage, PartProgress, Progress
from latsar_desktop.domain.protocol import ActivityKind, CoursePackage, Material, MaterialKind
from latsar_desktop.i18n.labels import Label
from latsar_desktop.ui.style import ACCENT_DARK, MUTED, set_role
from latsar_desktop.ui.texts import say, tr

__all__ = [
    "DONE_MARK",
    "EVALUATION",
    "KIND_LABELS",
    "PROVISIONAL_MARK",
    "STAGE_LABELS",
    "CourseTree",
    "ordered_materials",
]

EVALUATION = "eval"
DONE_MARK = "✓"
PROVISIONAL_MARK = "*"
KEY = Qt.ItemDataRole.UserRole
TAG = Qt.ItemDataRole.UserRole + 1  # a material's second line: "Tersedia offline" or not
KIND_LABELS = {
    ActivityKind.VIDEO: Label.COURSE_KIND_VIDEO,
    ActivityKind.READING: Label.COURSE_KIND_READING,
    ActivityKind.PRACTICE_QUIZ: Label.COURSE_KIND_PRACTICE,
    ActivityKind.REFLECTION: Label.COURSE_KIND_REFLECTION,
}
STAGE_LABELS = {
    EvaluationStage.LOCKED: Label.COURSE_EVALUATION_LOCKED,
    EvaluationStage.OPEN: Label.COURSE_EVALUATION_OPEN,
    EvaluationStage.CLOSED: Label.COURSE_EVALUATION_CLOSED,
}


def ordered_materials(package: CoursePackage) -> list[Material]:
    """The policy material(s) first, then the learning ones, each in the package's order."""
    return sorted(package.materials, key=lambda m: m.kind is not MaterialKind.POLICY)


class TaggedDelegate(QStyledItemDelegate):
    """A name with a muted second line under it (a material kept offline): the name in
    the item's font, elided to the column, the tag in the tree's plain font, muted."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        tag = index.data(TAG)
        if not tag:
            super().paint(painter, option, index)
            return
        shown = QStyleOptionViewItem(option)
        self.initStyleOption(shown, index)
        name = shown.text
        shown.text = ""
        widget = shown.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, shown, painter, widget)
        area = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, shown, widget)
        area = area.adjusted(3, 0, -3, 0)  # as the style insets a plain item's text
        plain = QFont(widget.font() if widget is not None else shown.font)
        first, second = QFontMetrics(shown.font), QFontMetrics(plain)
        top = area.top() + (area.height() - first.height() - second.height()) // 2
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        painter.save()
        painter.setFont(shown.font)
        selected = bool(shown.state & QStyle.StateFlag.State_Selected)
        plain_text = shown.palette.color(shown.palette.ColorRole.Text)
        painter.setPen(QColor(ACCENT_DARK) if selected else plain_text)  # as the stylesheet
        line = area.adjusted(0, top - area.top(), 0, 0)
        painter.drawText(
            line, left, first.elidedText(name, Qt.TextElideMode.ElideRight, area.width())
        )
        painter.setFont(plain)
        painter.setPen(QColor(MUTED))
        line = line.adjusted(0, first.height(), 0, 0)
        painter.drawText(
            line, left, second.elidedText(str(tag), Qt.TextElideMode.ElideRight, area.width())
        )
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        size = super().sizeHint(option, index)
        if index.data(TAG):
            size.setHeight(size.height() + option.fontMetrics.height())
        return size


@dataclass(frozen=True)
class TreeData:
    """What the tree shows: the package, the progress, the materials kept offline."""

    package: CoursePackage
    view: Progress
    offline: frozenset[str]


class CourseTree(QTreeWidget):
    """The tree; see the module docstring. ``opened(key)``: Enter on an item."""

    opened = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_role(self, "course-tree")
        self.setColumnCount(2)
        self.setHeaderHidden(True)
        self.setUniformRowHeights(False)
        self.setWordWrap(False)  # long titles elided (whole in the tooltip and the pane)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setExpandsOnDoubleClick(True)
        self.setIndentation(16)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.items: dict[str, QTreeWidgetItem] = {}
        self.data: TreeData | None = None
        self._shape: list[str] = []
        self.setItemDelegateForColumn(0, TaggedDelegate(self))
        self.itemActivated.connect(lambda item, _column: self.opened.emit(self.key_of(item)))

    # ------------------------------------------------------------------ keys

    @staticmethod
    def key_of(item: QTreeWidgetItem | None) -> str:
        return "" if item is None else str(item.data(0, KEY))

    def tag_of(self, key: str) -> str:
        """The item's second line (a material's: "Tersedia offline" or "Belum diunduh"), or
        "" (the other items)."""
        item = self.items.get(key)
        return "" if item is None else str(item.data(0, TAG) or "")

    def current_key(self) -> str:
        return self.key_of(self.currentItem())

    def select(self, key: str) -> None:
        """Make ``key``'s item the current one (its parents expanded)."""
        item = self.items.get(key)
        if item is None:
            return
        parent = item.parent()
        while parent is not None:
            parent.setExpanded(True)
            parent = parent.parent()
        self.setCurrentItem(item)
        self.scrollToItem(item)

    # ------------------------------------------------------------------ showing data

    def show_data(self, data: TreeData) -> None:
        shape = self._shape_of(data.package)
        if shape != self._shape:
            self._build(data.package, shape)
        self.data = data
        self._apply()

    @staticmethod
    def _shape_of(package: CoursePackage) -> list[str]:
        keys: list[str] = []
        for material in ordered_materials(package):
            keys.append(f"m:{material.id}")
            for sub in material.sub_materials:
                keys.append(f"s:{sub.id}")
                keys.extend(f"a:{activity.id}" for activity in sub.activities)
        return [*keys, EVALUATION]

    def _build(self, package: CoursePackage, shape: list[str]) -> None:
        current = self.current_key()
        expanded = {key for key, item in self.items.items() if item.isExpanded()}
        first = not self.items
        self.blockSignals(True)  # the page hears the new current item once, below
        try:
            self.clear()
            self.items = {}
            bold = QFont(self.font())
            bold.setWeight(QFont.Weight.DemiBold)
            for material in ordered_materials(package):
                top = self._item(None, f"m:{material.id}")
                top.setFont(0, bold)
                for sub in material.sub_materials:
                    middle = self._item(top, f"s:{sub.id}")
                    for activity in sub.activities:
                        self._item(middle, f"a:{activity.id}")
            evaluation = self._item(None, EVALUATION)
            evaluation.setFont(0, bold)
            for key, item in self.items.items():
                item.setExpanded(key in expanded or (first and key.startswith("m:")))
        finally:
            self.blockSignals(False)
        self._shape = shape
        if current in self.items:
            self.setCurrentItem(self.items[current])

    def _item(self, parent: QTreeWidgetItem | None, key: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem() if parent is None else QTreeWidgetItem(parent)
        if parent is None:
            self.addTopLevelItem(item)
        item.setData(0, KEY, key)
        item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.items[key] = item
        return item

    def retranslate(self) -> None:
        self.setAccessibleName(tr(Label.COURSE_TREE))
        if self.data is not None:
            self._apply()

    def _apply(self) -> None:
        data = self.data
        assert data is not None
        package, view = data.package, data.view
        progress = {a.activity_id: a for m in view.materials for a in m.activities}
        materials = {m.material_id: m for m in view.materials}
        subs = {s.sub_material_id: s for m in view.materials for s in m.sub_materials}
        for material in package.materials:
            shown = materials.get(material.id)
            item = self.items[f"m:{material.id}"]
            # every material has its second line, so no row moves when a download ends
            offline = material.id in data.offline
            tag = tr(Label.COURSE_OFFLINE_TAG if offline else Label.COURSE_NOT_OFFLINE_TAG)
            item.setText(0, material.title)
            item.setData(0, TAG, tag)
            said = f"{material.title}, {tag}" if tag else material.title
            item.setToolTip(0, said)
            item.setData(0, Qt.ItemDataRole.AccessibleTextRole, said)
            if shown is not None:
                item.setText(1, self._part_state(shown))
            for sub in material.sub_materials:
                sub_item = self.items[f"s:{sub.id}"]
                sub_item.setText(0, sub.title)
                sub_item.setToolTip(0, sub.title)
                part = subs.get(sub.id)
                if part is not None:
                    sub_item.setText(1, self._part_state(part))
                for activity in sub.activities:
                    leaf = self.items[f"a:{activity.id}"]
                    need = tr(Label.COURSE_REQUIRED if activity.required else Label.COURSE_OPTIONAL)
                    leaf.setText(
                        0,
                        tr(
                            Label.COURSE_ACTIVITY_ITEM,
                            kind=tr(KIND_LABELS[activity.kind]),
                            need=need,
                        ),
                    )
                    leaf.setToolTip(0, activity.title)
                    state = progress.get(activity.id)
                    if state is not None:
                        leaf.setText(
                            1,
                            self._state(
                                state.completed,
                                state.trophies,
                                state.max_trophies,
                                state.provisional,
                            ),
                        )
                        done = tr(Label.COURSE_DONE if state.completed else Label.COURSE_NOT_DONE)
                        leaf.setToolTip(1, done)
        evaluation = self.items[EVALUATION]
        evaluation.setText(0, tr(Label.COURSE_EVALUATION))
        evaluation.setText(1, tr(STAGE_LABELS[view.evaluation.stage]))
        evaluation.setToolTip(0, say(view.evaluation.reason))

    @classmethod
    def _part_state(cls, part: PartProgress) -> str:
        """A material's or a sub-material's state: done once every required activity is."""
        return cls._state(part.complete, part.trophies, part.max_trophies, part.provisional)

    @staticmethod
    def _state(done: bool, trophies: int, maximum: int, pending: bool) -> str:
        parts = []
        if done:
            parts.append(DONE_MARK)
        parts.append(tr(Label.COURSE_FRACTION, done=trophies, total=maximum))
        if pending:
            parts.append(PROVISIONAL_MARK)
        return " ".join(parts)

    def any_provisional(self) -> bool:
        data = self.data
        return data is not None and any(m.provisional for m in data.view.materials)
