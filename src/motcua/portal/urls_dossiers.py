
app_name = "citizen"

urlpatterns: list = []
