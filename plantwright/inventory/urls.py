from django.urls import path

from plantwright.inventory import views

urlpatterns = [
    path("parts/", views.part_list, name="part-list"),
    path("parts/<int:part_id>/", views.part_detail, name="part-detail"),
    path("stock/reorder/", views.reorder, name="reorder"),
    path("work-orders/<int:work_order_id>/issue/", views.work_order_issue, name="work-order-issue"),
    path("work-orders/<int:work_order_id>/return/", views.work_order_return, name="work-order-return"),
]
