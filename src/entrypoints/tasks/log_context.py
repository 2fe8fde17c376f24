"""Tag every log line written while a task runs with the task's id, as requests are, and
keep which task is running for error reports."""

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from taskiq import TaskiqMessage, TaskiqMiddleware, TaskiqResult

from entrypoints.logging import request_id_var


@dataclass(frozen=True, slots=True)
class RunningTask:
    id: str
    name: str


running_task: ContextVar[RunningTask | None] = ContextVar("running_task", default=None)


class TaskLogContext(TaskiqMiddleware):
    # Taskiq runs each message in an asyncio task of its own, so these stay in that task.
    def pre_execute(self, message: TaskiqMessage) -> TaskiqMessage:
        request_id_var.set(f"task-{message.task_id}")
        running_task.set(RunningTask(message.task_id, message.task_name))
        return message

    def post_execute(self, message: TaskiqMessage, result: TaskiqResult[Any]) -> None:
        request_id_var.set(None)
        running_task.set(None)
