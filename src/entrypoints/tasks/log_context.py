"""Tag every log line written while a task runs with the task's id, as requests are."""

from typing import Any

from taskiq import TaskiqMessage, TaskiqMiddleware, TaskiqResult

from entrypoints.logging import request_id_var


class TaskLogContext(TaskiqMiddleware):
    # Taskiq runs each message in an asyncio task of its own, so this stays in that task.
    def pre_execute(self, message: TaskiqMessage) -> TaskiqMessage:
        request_id_var.set(f"task-{message.task_id}")
        return message

    def post_execute(self, message: TaskiqMessage, result: TaskiqResult[Any]) -> None:
        request_id_var.set(None)
