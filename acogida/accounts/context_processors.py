from . import access


def permissions(request):
    """Lets templates hide links a role cannot follow (the server still refuses them)."""
    user = getattr(request, "user", None)
    return {"can": {action: access.can(user, action) for action in access.PERMISSIONS}}
